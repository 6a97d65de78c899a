// Tests write their temporary files under one folder that the global setup removes after the run
// (test/global-setup.ts): nothing is left in the machine's /tmp (issue 17).
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('temporary files of the tests', () => {
  it('go under the run-scoped scratch folder, not straight into /tmp', () => {
    expect(path.basename(tmpdir())).toMatch(/^xendoctor-tests-/);
    expect(process.env.TMPDIR).toBe(tmpdir());
  });
});
