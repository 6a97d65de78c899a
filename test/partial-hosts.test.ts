// Non-Xen and partial hosts through the built CLI, as a user runs it: a plain Linux box, a container, a domU,
// a dom0 without xen-diag or ethtool, a dom0 whose xl hangs, a host of junk. Each gives a clear report: the
// exit code of the convention (0 ok/skip, 1 warn, 2 fail, 3 error), the reasons, and never a stack trace.
import { spawnSync } from 'node:child_process';
import { cpSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReportDocument } from '../src/report/document.js';
import { FIXTURES, HOSTS } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');

interface Run {
  code: number | null;
  doc: ReportDocument;
  stderr: string;
}

function report(host: string, args: string[] = []): Run {
  const result = spawnSync(process.execPath, [CLI, '--replay', host, '--json', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 60_000,
  });
  return { code: result.status, doc: JSON.parse(result.stdout) as ReportDocument, stderr: result.stderr };
}

const check = (run: Run, id: string) => run.doc.checks.find((c) => c.id === id);

/** No stack trace anywhere: not in a summary, not in evidence, not on stderr. */
function expectClear(run: Run): void {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(run.doc.exitCode);
  for (const c of run.doc.checks) {
    expect(c.summary, c.id).not.toContain('    at ');
    expect(c.summary, c.id).not.toMatch(/did not complete/);
    for (const line of c.evidence) expect(line, c.id).not.toContain('    at ');
  }
}

/**
 * A real dom0 fixture copied to a temporary folder, with some of its fake commands taken away or made to
 * hang: the whole report runs on verbatim captures, with one thing changed.
 */
const copies: string[] = [];
function dom0Without(change: (root: string) => void): string {
  const base = mkdtempSync(path.join(tmpdir(), 'xd-partial-'));
  copies.push(base);
  // The fake commands link to ../../../replay.sh and boot/config-* to ../../../kernel/: keep that layout
  // (base/replay.sh, base/kernel/, base/hosts/<name>).
  copyFileSync(path.join(FIXTURES, 'replay.sh'), path.join(base, 'replay.sh'));
  cpSync(path.join(FIXTURES, 'kernel'), path.join(base, 'kernel'), { recursive: true });
  const root = path.join(base, 'hosts', 'dom0-domu-credit2');
  cpSync(path.join(HOSTS, 'dom0-domu-credit2'), root, { recursive: true, verbatimSymlinks: true });
  change(root);
  return root;
}

afterAll(() => {
  for (const base of copies) rmSync(base, { recursive: true, force: true });
});

describe('hosts without Xen', () => {
  it.each([
    ['plain-linux', 'a plain Linux box (real capture)'],
    ['made-up-container', 'a container: no /proc/xen, no /sys/hypervisor, no commands'],
  ])('%s (%s): xen-hypervisor fails with its reason, the Xen checks skip, exit 2', (name) => {
    const run = report(path.join(HOSTS, name));
    expectClear(run);
    expect(run.code).toBe(2);
    expect(check(run, 'xen-hypervisor')).toMatchObject({ status: 'fail' });
    expect(check(run, 'xen-hypervisor')?.summary).toMatch(/not a Xen host/);
    for (const id of ['xen-dom0', 'xen-daemons', 'grant-tables', 'scheduler', 'dom0-memory', 'domains']) {
      expect(check(run, id), id).toMatchObject({ status: 'skip' });
      expect(check(run, id)?.summary, id).toMatch(/not running under Xen/);
    }
    // One failing chain, not ten errors.
    expect(run.doc.summary.error).toBe(0);
  });

  it('made-up-container: no kernel config to read is a skip that says where it looked', () => {
    const run = report(path.join(HOSTS, 'made-up-container'));
    expect(check(run, 'kernel-config')).toMatchObject({ status: 'skip' });
    expect(check(run, 'kernel-config')?.summary).toMatch(/no kernel config found/);
    expect(check(run, 'bridge-offload')?.summary).toBe('no Linux bridge on this host');
  });
});

describe('a domU', () => {
  it('made-up-domu: xen-dom0 and the dom0 checks skip saying it is a domU, exit 0', () => {
    const run = report(path.join(HOSTS, 'made-up-domu'));
    expectClear(run);
    expect(run.code).toBe(0);
    expect(check(run, 'xen-hypervisor')).toMatchObject({ status: 'ok' });
    expect(check(run, 'xen-dom0')).toMatchObject({ status: 'skip' });
    expect(check(run, 'xen-dom0')?.summary).toMatch(/^this is a domU: .*run xendoctor in dom0/);
    for (const id of [
      'xen-daemons',
      'grant-tables',
      'scheduler',
      'dom0-memory',
      'domains',
      'hypervisor-log',
    ]) {
      expect(check(run, id)?.summary, id).toBe('this is a domU: only dom0 can see this');
    }
    expect(check(run, 'cpu-virtualization')).toMatchObject({ status: 'skip' });
  });
});

describe('a dom0 missing a tool', () => {
  it('made-up-no-xen-diag: grant-tables cannot see: error naming the search path, exit 3', () => {
    const run = report(path.join(HOSTS, 'made-up-no-xen-diag'), ['--check', 'grant-tables']);
    expectClear(run);
    expect(run.code).toBe(3);
    expect(check(run, 'grant-tables')?.status).toBe('error');
    expect(check(run, 'grant-tables')?.summary).toMatch(/^xen-diag not found on PATH=\S+\/commands$/);
  });

  it('made-up-no-ethtool: bridge-offload on a dom0 with a bridge cannot see: error with the package, exit 3', () => {
    const run = report(path.join(HOSTS, 'made-up-no-ethtool'), ['--check', 'bridge-offload']);
    expectClear(run);
    expect(run.code).toBe(3);
    expect(check(run, 'bridge-offload')?.status).toBe('error');
    expect(check(run, 'bridge-offload')?.evidence.join('\n')).toContain(
      'install: Debian, Ubuntu, Alpine and Fedora: ethtool; Gentoo: sys-apps/ethtool',
    );
  });

  it.each([
    ['xen-diag', ['grant-tables']],
    ['ethtool', ['bridge-offload']],
    ['xl', ['cpu-virtualization', 'grant-tables', 'scheduler', 'dom0-memory', 'domains', 'hypervisor-log']],
  ])('a real dom0 without %s: %s turn error naming the cause; the rest stands; exit 3', (tool, ids) => {
    const full = report(path.join(HOSTS, 'dom0-domu-credit2'));
    const root = dom0Without((dir) => rmSync(path.join(dir, 'commands', tool)));
    const run = report(root);
    expectClear(run);
    for (const id of ids) {
      expect(check(run, id)?.status, id).toBe('error');
      expect(check(run, id)?.summary, id).toContain(`${tool} not found on PATH=${root}/commands`);
    }
    for (const other of full.doc.checks.filter((c) => !ids.includes(c.id))) {
      expect(check(run, other.id)?.status, other.id).toBe(other.status);
    }
    // dom0-domu-credit2 exits 0 (advice only); a blind check makes it UNKNOWN.
    expect(full.code).toBe(0);
    expect(run.code).toBe(3);
  });
});

describe('a dom0 whose xl hangs', () => {
  it('xl info never answers: the checks that need it say "timed out", the others still run, exit 3', () => {
    const root = dom0Without((dir) =>
      writeFileSync(path.join(dir, 'commands/replies/xl info.sleep'), '600\n'),
    );
    // Not the 600 s sleep: report() gives the CLI 60 s, then kills it (no exit code: expectClear fails).
    const run = report(root, ['--timeout', '0.5']);
    expectClear(run);
    for (const id of ['cpu-virtualization', 'scheduler', 'dom0-memory']) {
      expect(check(run, id), id).toMatchObject({ status: 'error' });
      expect(check(run, id)?.summary, id).toMatch(/`xl info` timed out/);
    }
    expect(check(run, 'domains')).toMatchObject({ status: 'ok' }); // `xl list` still answers
    expect(run.code).toBe(3);
  });
});

describe('a host of junk', () => {
  it('made-up-garbage: errors with excerpts, no stack trace, exit code per the convention', () => {
    const run = report(path.join(HOSTS, 'made-up-garbage'));
    expectClear(run);
    expect(run.doc.summary.error).toBeGreaterThanOrEqual(5);
    // xen-daemons finds no daemon among the junk process names: a fail, which outranks the errors.
    expect(run.code).toBe(run.doc.summary.fail > 0 ? 2 : 3);
  });
});
