// Huge input: every parser on 10 MB finishes fast (no regex that backtracks without bound, no quadratic
// loop) and still returns data or a ParseError. One run per shape: 10 MB is too big for many random runs.
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/parsers/parse-error.js';
import { PARSERS } from './parsers.js';

const SIZE = 10 * 1024 * 1024;
// ~1 s is the aim on an idle machine; the assertion leaves room for a loaded CI runner. What it is there to
// catch takes minutes: the two quadratic cases fixed in dmesg.ts and xl-conf.ts ran over 60 s each.
// Still, xl-dmesg needed its prefix test moved first: it classified 5 million junk lines (4 s) to reject them.
const BUDGET_MS = 2500;

const repeatTo = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / Math.max(unit.length, 1)));

// Deterministic junk bytes (xorshift32), decoded as UTF-8 as the host seam decodes command output.
function junk(size: number, seed = 0x9e3779b9): string {
  const bytes = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes.toString('utf8');
}

// Shapes that defeat naive parsers: a long run of blanks with a tail a `\s*$` cannot end on, the same after
// a phrase parsers look for, and a list that never closes, line after line.
const SHAPES: Array<[string, (size: number) => string]> = [
  ['junk bytes', (size) => junk(size)],
  ['one line of blanks', (size) => `x${' '.repeat(size)}\u2028x`],
  ['a boot line of blanks', (size) => `Booting kernel on ${' '.repeat(size)}\u2028x`],
  ['an unclosed list, one short line after another', (size) => `a = [\n${repeatTo('x\n', size)}`],
  ['"key: value" without a newline', (size) => repeatTo('nr_cpus : 2 (XEN) ', size)],
  ['a million short "(XEN) " lines', (size) => repeatTo('(XEN) a\n', size)],
];

function timed(parse: (text: string) => unknown, text: string): number {
  const started = performance.now();
  try {
    parse(text);
  } catch (caught) {
    if (!(caught instanceof ParseError)) throw caught;
  }
  return performance.now() - started;
}

describe.each(PARSERS)('$name on 10 MB', (parser) => {
  const size = parser.hugeBytes ?? SIZE;
  it('real output repeated to 10 MB, and its lines joined into one 10 MB line', () => {
    for (const sample of parser.samples.slice(0, 1)) {
      expect(timed(parser.parse, repeatTo(sample, size))).toBeLessThan(BUDGET_MS);
      expect(timed(parser.parse, repeatTo(sample.replace(/\n/g, ' '), size))).toBeLessThan(BUDGET_MS);
    }
  });

  it.each(SHAPES)('%s', (_title, make) => {
    expect(timed(parser.parse, make(size))).toBeLessThan(BUDGET_MS);
  });
});
