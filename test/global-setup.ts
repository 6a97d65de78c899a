// Builds dist/ once before any test file runs (tsc into build/, then scripts/bundle.mjs into dist/): the CLI,
// daemon and system tests run the bundle that ships, and no two test files rebuild it under each other.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}
