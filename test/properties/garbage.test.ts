// Property tests: every parser, on any text at all, returns data or throws ParseError, never anything else.
// Inputs: random strings, real outputs cut anywhere, non-UTF-8 bytes decoded as UTF-8 (what the host seam
// does), CRLF line ends, and real output made to look localized (translated words, decimal commas, NBSP).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/parsers/parse-error.js';
import { PARSERS, parserModules } from './parsers.js';

/** Runs a parser; rethrows anything that is not a ParseError, and checks a ParseError stays short. */
function dataOrParseError(parse: (text: string) => unknown, text: string): 'data' | 'parse-error' {
  try {
    parse(text);
    return 'data';
  } catch (caught) {
    if (!(caught instanceof ParseError)) {
      throw new Error(`threw ${String(caught)} instead of data or a ParseError`, { cause: caught });
    }
    // The excerpt keeps a message readable whatever came in (no 10 MB log lines).
    expect(caught.message.length).toBeLessThan(1000);
    return 'parse-error';
  }
}

// Words a non-C locale could put in place of the C ones (LC_ALL=C is set, but a wrapper may ignore it).
const TRANSLATIONS: Array<[RegExp, string]> = [
  [/\bName\b/g, 'Nom'],
  [/\bState\b/g, 'État'],
  [/\bFeatures for\b/g, 'Fonctionnalités pour'],
  [/\bunit files listed\b/g, 'Unit-Dateien aufgelistet'],
  [/: on\b/g, ': ein'],
  [/: off\b/g, ': aus'],
  [/\bprocessor\b/g, 'Prozessor'],
  [/\bis not set\b/g, 'ist nicht gesetzt'],
  [/\bBooting\b/g, 'Démarrage'],
  [/\bxen_version\b/g, 'версия_xen'],
];
const LOCALIZE: Array<(text: string) => string> = [
  (text) => TRANSLATIONS.reduce((t, [from, to]) => t.replace(from, to), text),
  (text) => text.replace(/(\d)\.(\d)/g, '$1,$2'), // decimal comma
  (text) => text.replace(/ /g, '\u00a0'), // no-break spaces
  (text) => text.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), // full-width digits
  (text) => text.replace(/i/g, 'ı').replace(/I/g, 'İ'), // Turkish dotless/dotted i
];

const anyText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  // Line-shaped junk: the separators parsers split on, mixed with plausible tokens.
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '\n',
          '\r\n',
          '\t',
          ' ',
          ':',
          '=',
          '"',
          "'",
          '[',
          ']',
          '#',
          '(XEN) ',
          '-',
          '0',
          '4.17',
        ),
        fc.string({ maxLength: 12 }),
      ),
      { maxLength: 80 },
    )
    .map((parts) => parts.join('')),
);

describe('the parser table', () => {
  it('covers every module in src/parsers/ with real samples', () => {
    const covered = new Set(PARSERS.map((p) => p.name.split(':')[0]));
    expect([...covered].sort()).toEqual(parserModules());
    for (const parser of PARSERS) expect(parser.samples.length, parser.name).toBeGreaterThan(0);
  });
});

describe.each(PARSERS)('$name', (parser) => {
  it('parses every real sample (the baseline the mutations start from)', () => {
    for (const sample of parser.samples) expect(dataOrParseError(parser.parse, sample)).toBe('data');
  });

  it('returns data or a ParseError on random text', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        dataOrParseError(parser.parse, text);
      }),
      { numRuns: 300 },
    );
  });

  it('returns data or a ParseError on real output cut anywhere, or with a slice taken out', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...parser.samples),
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        (sample, a, b, prefix) => {
          const [from, to] = [a % (sample.length + 1), b % (sample.length + 1)].sort((x, y) => x - y);
          const text = prefix ? sample.slice(0, to) : sample.slice(0, from) + sample.slice(to);
          dataOrParseError(parser.parse, text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns data or a ParseError on non-UTF-8 bytes decoded as UTF-8, alone or spliced into real output', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(...parser.samples),
        fc.nat(),
        (bytes, sample, at) => {
          const junk = Buffer.from(bytes).toString('utf8');
          dataOrParseError(parser.parse, junk);
          const cut = at % (sample.length + 1);
          const spliced = Buffer.concat([
            Buffer.from(sample.slice(0, cut)),
            Buffer.from([0xff, 0xfe, 0xc3, ...bytes]),
            Buffer.from(sample.slice(cut)),
          ]).toString('utf8');
          dataOrParseError(parser.parse, spliced);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads CRLF output like LF output', () => {
    for (const sample of parser.samples) {
      const crlf = sample.replace(/\n/g, '\r\n');
      expect(dataOrParseError(parser.parse, crlf)).toBeDefined();
      if (parser.crlfSame) expect(parser.parse(crlf)).toEqual(parser.parse(sample));
    }
  });

  it('returns data or a ParseError on localized-looking output', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...parser.samples),
        fc.subarray(
          LOCALIZE.map((_, i) => i),
          { minLength: 1 },
        ),
        (sample, picks) => {
          const text = picks.reduce((t, i) => LOCALIZE[i]?.(t) ?? t, sample);
          dataOrParseError(parser.parse, text);
        },
      ),
      { numRuns: 60 },
    );
  });
});
