// "Linear, not quadratic" without a wall-clock budget: the same code on n and 10n bytes, in the same process,
// measured in CPU time (user + system of this process: another job on the machine does not count, a stall
// while descheduled does not either). Linear work grows ~10x; quadratic ~100x. The bound sits between, with
// room for the garbage collector and the JIT, which do not grow in proportion.
import { expect } from 'vitest';

/** Allowed growth of CPU time from n to 10n bytes (linear is ~10, quadratic ~100). */
export const MAX_GROWTH = 30;
/** Fixed costs that do not scale with the input (a GC cycle, a JIT tier-up), ms of CPU. */
export const FIXED_MS = 250;

/** CPU milliseconds this process spends in `work`. */
export function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / 1000;
}

/** Runs `parse`, accepting a throw of `expected` (a parser's refusal is as good as its answer here). */
function attempt(
  parse: (text: string) => unknown,
  text: string,
  expected?: abstract new (...a: never[]) => Error,
) {
  try {
    parse(text);
  } catch (caught) {
    if (!expected || !(caught instanceof expected)) throw caught;
  }
}

/**
 * A flat copy of `text`, as the host seam's decoded output is. `repeat` and concatenation give V8 rope strings
 * that the first parse flattens (work that is not the parser's), and V8 caches split and regex results per
 * string object, so each measured run gets a fresh flat string.
 */
const flat = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

/** Runs of each input, of which the least CPU time counts (see expectLinear). */
export const RUNS = 3;

/**
 * Asserts that `parse` on make(size) costs at most MAX_GROWTH times its cost on make(size / 10), plus FIXED_MS.
 * A first run on the small input, not measured, pays for compiling.
 *
 * process.cpuUsage counts every thread of the process, the garbage collector's helpers included: on a
 * loaded machine their work on the big input's allocation can land inside one measured run (seen: 682 ms
 * for a 13 ms parse). Noise only ever adds, so each size counts the least of RUNS runs, each on its own
 * fresh copy made before any measuring. The big input stops early once a run is under the bound: the same
 * verdict as the least of all RUNS. A quadratic parser is over the bound on every run.
 */
export function expectLinear(
  parse: (text: string) => unknown,
  make: (size: number) => string,
  size: number,
  expected?: abstract new (...a: never[]) => Error,
): void {
  const small = make(Math.ceil(size / 10));
  const big = make(size);
  const smallCopies = Array.from({ length: RUNS }, () => flat(small));
  const bigCopies = Array.from({ length: RUNS }, () => flat(big));
  attempt(parse, flat(small), expected);
  const smallMs = Math.min(...smallCopies.map((copy) => cpuMs(() => attempt(parse, copy, expected))));
  const bound = MAX_GROWTH * smallMs + FIXED_MS;
  const bigRuns: number[] = [];
  for (const copy of bigCopies) {
    bigRuns.push(cpuMs(() => attempt(parse, copy, expected)));
    if (Math.min(...bigRuns) < bound) break;
  }
  const bigMs = Math.min(...bigRuns);
  expect(
    bigMs,
    `${smallMs.toFixed(1)} ms on ${small.length} chars, ${bigRuns.map((ms) => ms.toFixed(1)).join(' / ')} ms on ${big.length}`,
  ).toBeLessThan(bound);
}
