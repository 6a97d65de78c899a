// Helpers for the fix tests: a temporary host root built from the real fixture files, probes that report
// given remedies, and runFix with everything captured.
import {
  cpSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Probe, Remedy } from '../src/check.js';
import { createHost } from '../src/host/host.js';
import { type FixFs, nodeFs } from '../src/fix/fix-fs.js';
import { type FixDeps, runFix } from '../src/fix/fix-command.js';
import { FIXTURES, HOSTS } from './helpers.js';

export const files = (name: string) => readFileSync(path.join(FIXTURES, 'files', name), 'utf8');

/**
 * A writable host root: /etc copied from a real fixture host (its /etc/default/grub and /etc/xen/xl.conf are
 * the lab's, verbatim), plus `extra` files, plus commands/ with fake commands that log their argv to
 * /ran.log (so runtime actions can be checked without touching this machine).
 */
export function tempHost(extra: Record<string, string> = {}, fromHost = 'dom0-credit2'): string {
  const root = mkdtempSync(path.join(tmpdir(), 'xendoctor-fix-'));
  cpSync(path.join(HOSTS, fromHost, 'etc'), path.join(root, 'etc'), { recursive: true });
  for (const dir of ['etc/sysctl.d', 'etc/udev/rules.d', 'commands'])
    mkdirSync(path.join(root, dir), { recursive: true });
  for (const [file, content] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  for (const command of ['sysctl', 'ethtool', 'systemctl']) {
    const script = path.join(root, 'commands', command);
    writeFileSync(script, `#!/bin/sh\necho "${command} $*" >> "\${0%/*}/../ran.log"\n`, { mode: 0o755 });
  }
  writeFileSync(path.join(root, 'commands', 'false'), '#!/bin/sh\necho "no luck" >&2\nexit 3\n', {
    mode: 0o755,
  });
  return root;
}

/** Every file under the root except the backups and the command log: path -> mode, bytes or link target. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      if (rel === 'var' || rel === 'ran.log') continue;
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(full)}`;
      else if (stat.isDirectory()) walk(full);
      else out[rel] = `${(stat.mode & 0o7777).toString(8)} ${readFileSync(full).toString('base64')}`;
    }
  };
  walk(root);
  return out;
}

/** A check that warns (or fails) and suggests the given remedies. */
export function probeWith(id: string, remedies: Remedy[], status: 'warn' | 'fail' = 'warn'): Probe {
  return {
    id,
    title: id,
    async run() {
      return {
        status,
        summary: `${id} found something`,
        evidence: [],
        findings: [{ code: id, severity: status, message: `${id} found something` }],
        remedies,
        metrics: [],
      };
    },
  };
}

export interface FixRun {
  code: number;
  out: string;
}

/** Runs `xendoctor fix ARGV` against the root with the given probes; stdin is not a terminal by default. */
export async function fix(
  root: string,
  argv: readonly string[],
  probes: readonly Probe[],
  overrides: Partial<FixDeps> = {},
): Promise<FixRun> {
  let out = '';
  let tick = Date.parse('2026-11-21T12:00:00Z');
  const deps: FixDeps = {
    probes,
    env: {},
    write: (text) => {
      out += text;
    },
    interactive: false,
    confirm: async () => false,
    fs: nodeFs,
    // A fixed clock: the first backup of a run is 20261121T120001Z (a second one in a test gets "-2").
    now: () => {
      tick += 1000;
      return new Date(tick);
    },
    host: createHost({ root, path: [path.join(root, 'commands')] }),
    ...overrides,
  };
  const code = await runFix(argv, deps);
  return { code, out };
}

/** nodeFs, except that `fail` may throw an errno error for an operation on a path. */
export function failingFs(fail: (op: keyof FixFs, file: string) => string | undefined): FixFs {
  const wrap =
    <A extends unknown[], R>(op: keyof FixFs, fn: (file: string, ...rest: A) => Promise<R>) =>
    async (file: string, ...rest: A): Promise<R> => {
      const code = fail(op, file);
      if (code) throw Object.assign(new Error(`${code}: simulated, ${op} '${file}'`), { code });
      return fn(file, ...rest);
    };
  return {
    readFile: wrap('readFile', nodeFs.readFile),
    lstat: wrap('lstat', nodeFs.lstat),
    realpath: wrap('realpath', nodeFs.realpath),
    open: wrap('open', nodeFs.open),
    rename: wrap('rename', nodeFs.rename),
    unlink: wrap('unlink', nodeFs.unlink),
    mkdir: wrap('mkdir', nodeFs.mkdir),
    readdir: wrap('readdir', nodeFs.readdir),
  };
}
