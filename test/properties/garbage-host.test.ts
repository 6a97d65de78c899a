// Every probe on a host whose every file and command reply is junk (test/fixtures/hosts/made-up-garbage):
// none throws, none says `ok` on the strength of junk, and one that parsed junk says `error` with an excerpt.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/check.js';
import { Context } from '../../src/context.js';
import { createHost } from '../../src/host/host.js';
import { probes } from '../../src/probes/index.js';
import { runProbes } from '../../src/runner.js';
import { HOSTS } from '../helpers.js';

const GARBAGE = path.join(HOSTS, 'made-up-garbage');
const COMMANDS = path.join(GARBAGE, 'commands');

// The two gate files are real-looking on purpose; xen-hypervisor's verdict rests on one of them alone.
const OK_FROM_REAL_FILES = new Set(['xen-hypervisor']);
// /proc/config.gz is binary: its evidence is its size, not a text excerpt.
const NO_TEXT_EXCERPT = new Set(['kernel-config']);

describe('every probe on a host of junk', () => {
  const outcomes = new Map<string, Outcome>();

  it.each(probes.map((probe) => [probe.id, probe] as const))('%s does not throw', async (_id, probe) => {
    const ctx = new Context(createHost({ root: GARBAGE, path: [COMMANDS] }));
    // Straight to probe.run, without the runner that would turn a throw into `error`.
    const outcome = await probe.run(ctx);
    outcomes.set(probe.id, outcome);
    expect(['ok', 'warn', 'fail', 'skip', 'error']).toContain(outcome.status);
  });

  it('says ok only where a real file says so, and error with an excerpt where it parsed junk', () => {
    expect(outcomes.size).toBe(probes.length);
    for (const [id, outcome] of outcomes) {
      if (!OK_FROM_REAL_FILES.has(id)) expect(outcome.status, id).not.toBe('ok');
      if (outcome.status !== 'error') continue;
      expect(outcome.evidence.length, id).toBeGreaterThan(0);
      if (!NO_TEXT_EXCERPT.has(id)) expect(outcome.evidence.join('\n'), id).toContain('(got: "');
      // Excerpts are cut short, so one junk reply cannot flood the report.
      for (const line of outcome.evidence) expect(line.length, id).toBeLessThan(1200);
    }
    // Most of them parse command output or files that are all junk here: they must say so.
    const errors = [...outcomes].filter(([, o]) => o.status === 'error').map(([id]) => id);
    expect(errors).toEqual(
      expect.arrayContaining(['xen-dom0', 'grant-tables', 'scheduler', 'domains', 'hypervisor-log']),
    );
  });

  it('never reports a check that "did not complete" through the runner, and nothing is ok when the gates are junk too', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'xd-garbage-'));
    cpSync(GARBAGE, root, { recursive: true, verbatimSymlinks: true });
    const junk = Buffer.from([0xff, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x0d, 0x0a, 0xfe]);
    writeFileSync(path.join(root, 'sys/hypervisor/type'), junk);
    writeFileSync(path.join(root, 'proc/xen/capabilities'), junk);
    for (const host of [
      createHost({ root: GARBAGE, path: [COMMANDS] }),
      createHost({ root, path: [COMMANDS] }),
    ]) {
      const results = await runProbes(new Context(host), probes);
      for (const result of results) expect(result.summary, result.id).not.toMatch(/did not complete/);
      if (host.root === root) {
        expect(results.filter((r) => r.status === 'ok').map((r) => r.id)).toEqual([]);
      }
    }
    rmSync(root, { recursive: true, force: true });
  });
});
