// Builds dist/ once before any test file runs (tsc into build/, then scripts/bundle.mjs into dist/): the CLI,
// daemon and system tests run the bundle that ships, and no two test files rebuild it under each other.
// Every test's temporary files go in one folder (TMPDIR, which os.tmpdir() and the child processes the tests
// start read), removed when the run ends: a run leaves nothing in /tmp, whichever test forgot to clean up.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): () => void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const scratch = mkdtempSync(path.join(tmpdir(), 'xendoctor-tests-'));
  // Set before vitest forks its workers: they, and what they spawn, inherit it.
  process.env.TMPDIR = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}
