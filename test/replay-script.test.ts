// One replayer: the fixture hosts use the very script a capture carries, so a fixture and a capture
// replay the same way (test/fixtures/replay.sh is REPLAY_SCRIPT, written out).
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPLAY_SCRIPT } from '../src/capture/replay-script.js';
import { FIXTURES } from './helpers.js';

describe('test/fixtures/replay.sh', () => {
  it('is the replayer captures carry, byte for byte, and executable', () => {
    const file = path.join(FIXTURES, 'replay.sh');
    expect(readFileSync(file, 'utf8')).toBe(REPLAY_SCRIPT);
    expect(statSync(file).mode & 0o111).not.toBe(0);
  });
});
