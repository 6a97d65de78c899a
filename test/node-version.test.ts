// The Node.js version check at start: the pure rule, and the built executable run under a faked
// process.versions.node (an --import module that redefines it before dist/cli.js loads).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_NODE_TOO_OLD, nodeVersionProblem } from '../src/node-version.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-node-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs dist/cli.js with process.versions.node faked to `version`. */
function runAs(version: string, args: string[]) {
  const fake = path.join(dir, `fake-${version}.mjs`);
  writeFileSync(
    fake,
    `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} });\n`,
  );
  return spawnSync(process.execPath, ['--import', fake, CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('nodeVersionProblem', () => {
  it.each(['20.0.0', '20.19.2', '22.12.0', '24.1.0', 'v20.11.1'])('accepts %s', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it.each(['18.20.4', '18.19.0', '16.20.2', '12.22.12', '19.9.0'])('refuses %s in one line', (version) => {
    const problem = nodeVersionProblem(version);
    expect(problem).toContain(`needs Node.js 20 or newer, this is Node.js ${version}`);
    expect(problem).toContain('Debian 12 ships 18');
    expect(problem).toContain('NodeSource');
    expect(problem).not.toContain('\n');
  });

  it.each(['', 'garbage', 'x.y.z'])('refuses an unreadable version %j rather than guessing', (version) => {
    expect(nodeVersionProblem(version)).toContain('needs Node.js 20 or newer');
  });
});

describe('the executable on an old Node.js', () => {
  it('prints the one line and exits 72 before doing anything (even --help)', () => {
    const result = runAs('18.19.0', ['--help']);
    expect(result.status).toBe(EXIT_NODE_TOO_OLD);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([nodeVersionProblem('18.19.0')]);
  });

  it('runs as usual on Node.js 20 (the same faking, a new enough version)', () => {
    const result = runAs('20.0.0', ['--help']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/xendoctor/);
  });
});
