import { describe, expect, it } from 'vitest';
import { goldenAction } from './golden-policy.js';

describe('goldenAction', () => {
  it('fails on a missing golden in CI, writes it elsewhere', () => {
    expect(goldenAction(false, { CI: 'true' })).toBe('fail-missing');
    expect(goldenAction(false, { CI: '1' })).toBe('fail-missing');
    expect(goldenAction(false, {})).toBe('write');
  });
  it('compares an existing golden, in CI or not', () => {
    expect(goldenAction(true, { CI: 'true' })).toBe('compare');
    expect(goldenAction(true, {})).toBe('compare');
  });
  it('rewrites with UPDATE_GOLDEN=1, in CI too', () => {
    expect(goldenAction(true, { UPDATE_GOLDEN: '1' })).toBe('write');
    expect(goldenAction(false, { UPDATE_GOLDEN: '1', CI: 'true' })).toBe('write');
  });
});
