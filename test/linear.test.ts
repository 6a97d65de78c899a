// The yardstick of huge.test.ts itself: it must pass linear work and fail quadratic work.
import { describe, expect, it } from 'vitest';
import { expectLinear } from './linear.js';

const lines = (size: number) => 'x\n'.repeat(size / 2);

describe('expectLinear', () => {
  it('passes a linear parser', () => {
    expectLinear((text) => text.split('\n').filter((line) => line === 'x').length, lines, 2 * 1024 * 1024);
  });

  it('fails a quadratic one (each 16th character rereads every 16th one before it)', () => {
    const quadratic = (text: string) => {
      let sum = 0;
      for (let i = 0; i < text.length; i += 16) for (let j = 0; j < i; j += 16) sum += text.charCodeAt(j);
      return sum;
    };
    expect(() => expectLinear(quadratic, lines, 1_000_000)).toThrow(/ms on/);
  }, 300_000); // ~3 s of CPU per run, three runs (RUNS), which a loaded machine can stretch
});
