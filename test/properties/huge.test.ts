// Huge input: every parser on 10 MB is linear (no regex that backtracks without bound, no quadratic loop)
// and still returns data or a ParseError. What this catches took minutes: the two quadratic cases fixed in
// dmesg.ts and xl-conf.ts ran over 60 s each on 10 MB. Asserted as growth from 1 MB to 10 MB in CPU time
// (test/linear.ts), never as a duration: how fast is for `npm run bench:parsers`. One run per shape.
import { describe, it } from 'vitest';
import { ParseError } from '../../src/parsers/parse-error.js';
import { expectLinear } from '../linear.js';
import { PARSERS } from './parsers.js';

const SIZE = 10 * 1024 * 1024;
// A parser on 10 MB can take seconds of CPU on a loaded runner; vitest's own timeout is no verdict here.
const TIMEOUT_MS = 120_000;

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

describe.each(PARSERS)('$name on 10 MB', (parser) => {
  const size = parser.hugeBytes ?? SIZE;
  it(
    'real output repeated to 10 MB, and its lines joined into one 10 MB line',
    () => {
      for (const sample of parser.samples.slice(0, 1)) {
        expectLinear(parser.parse, (n) => repeatTo(sample, n), size, ParseError);
        expectLinear(parser.parse, (n) => repeatTo(sample.replace(/\n/g, ' '), n), size, ParseError);
      }
    },
    TIMEOUT_MS,
  );

  it.each(SHAPES)('%s', (_title, make) => expectLinear(parser.parse, make, size, ParseError), TIMEOUT_MS);
});
