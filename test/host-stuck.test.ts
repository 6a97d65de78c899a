// Hung and unkillable commands: timeout, SIGTERM, SIGKILL, then "stuck" (left behind, counted, and no new
// instance of the same executable until it exits). Every test here ends in well under 5 s.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Context, commandProblem } from '../src/context.js';
import { createHost, type HostOptions, sharedStuckRegistry, StuckRegistry } from '../src/host/host.js';

let base: string;
let bin: string;
let runs: string;
const script = (name: string, body: string) => {
  const file = path.join(bin, name);
  // Each start appends a line to runs/<name>, so a test can tell whether a command was started at all.
  writeFileSync(file, `#!/bin/sh\nPATH=/usr/bin:/bin\necho $$ >> '${runs}/${name}'\n${body}\n`);
  chmodSync(file, 0o755);
};
const starts = (name: string): number => {
  const file = path.join(runs, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0;
};

// Real process groups a test left alive on purpose (the "unkillable" ones): killed for real afterwards.
const leftovers = new Set<number>();
afterEach(() => {
  for (const pid of leftovers) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  leftovers.clear();
});

// Plays a process that SIGKILL cannot end (uninterruptible sleep cannot be made in a test): every signal
// sent through the seam is dropped, so the real child lives on as a D-state `xl` would.
const unkillable: HostOptions['sendSignal'] = () => {};
const fast = { timeoutMs: 200, killGraceMs: 150 } as const;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
// The deadline only turns a hang into a clear failure; it is no verdict on speed (the machine may be loaded).
const waitFor = async (condition: () => boolean, ms = 30_000) => {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), 'xd-stuck-'));
  bin = path.join(base, 'bin');
  runs = path.join(base, 'runs');
  mkdirSync(bin);
  mkdirSync(runs);
  script('sleeper', 'sleep 600');
  script('deaf', "trap '' TERM; sleep 600 & wait; sleep 600");
  script('self-stopping', 'kill -STOP $$; sleep 600');
  script('stopped-deaf', "trap '' TERM; kill -STOP $$; sleep 600 & wait; sleep 600");
  script('hung-xl', 'sleep 600');
  script('other', 'echo fine');
  script('shared-hang', 'sleep 600');
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('a hung command is ended, never left stuck, when signals work', () => {
  it('ends a sleeping command with SIGTERM and lets the next one start', async () => {
    const stuckRegistry = new StuckRegistry();
    const host = createHost({ path: [bin], stuckRegistry, ...fast });
    // Ended by the signal, not waited out: the 600 s sleep outlasts vitest's test timeout.
    const result = await host.run(['sleeper']);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGTERM', stuck: false, failed: true });
    expect(result.blockedBy).toBeUndefined();
    expect(host.stuckCommands?.()).toEqual([]);
    await host.run(['sleeper']);
    expect(starts('sleeper')).toBe(2);
  });

  it('escalates to SIGKILL for a command that ignores SIGTERM', async () => {
    const host = createHost({ path: [bin], stuckRegistry: new StuckRegistry(), ...fast });
    const result = await host.run(['deaf']);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', stuck: false });
    expect(host.stuckCommands?.()).toEqual([]);
  });

  it('ends a stopped process (SIGSTOP): SIGCONT after SIGTERM lets it die, it is not stuck', async () => {
    const host = createHost({ path: [bin], stuckRegistry: new StuckRegistry(), ...fast });
    const result = await host.run(['self-stopping']);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGTERM', stuck: false });
    expect(host.stuckCommands?.()).toEqual([]);
  });

  it('kills a stopped process that ignores SIGTERM with SIGKILL (SIGKILL works on stopped processes)', async () => {
    const host = createHost({ path: [bin], stuckRegistry: new StuckRegistry(), ...fast });
    const result = await host.run(['stopped-deaf']);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', stuck: false });
  });

  it('kills a stopped process even when only SIGKILL gets through', async () => {
    // SIGTERM and SIGCONT dropped: the process stays stopped until SIGKILL, which a stopped process obeys.
    const sent: string[] = [];
    const host = createHost({
      path: [bin],
      stuckRegistry: new StuckRegistry(),
      ...fast,
      sendSignal: (pid, signal) => {
        sent.push(signal);
        if (signal === 'SIGKILL') process.kill(pid, signal);
      },
    });
    const result = await host.run(['self-stopping']);
    expect(sent).toEqual(['SIGTERM', 'SIGCONT', 'SIGKILL']);
    expect(result).toMatchObject({ timedOut: true, signal: 'SIGKILL', stuck: false });
    expect(host.stuckCommands?.()).toEqual([]);
  });
});

describe('a command SIGKILL cannot end', () => {
  it('is left behind, counted, and blocks new instances of the same executable only', async () => {
    const stuckRegistry = new StuckRegistry();
    const host = createHost({ path: [bin], stuckRegistry, sendSignal: unkillable, ...fast });
    const started = Date.now();
    const first = await host.run(['hung-xl', 'info']);
    // Returned after the timeout and two graces, not the 600 s sleep (which outlasts the test timeout).
    expect(first).toMatchObject({ stuck: true, timedOut: true, failed: true, exitCode: null });
    const [entry] = host.stuckCommands?.() ?? [];
    expect(entry).toMatchObject({ name: 'hung-xl', command: 'hung-xl info' });
    expect(entry?.since).toBeGreaterThanOrEqual(started);
    const pid = entry?.pid ?? -1;
    leftovers.add(pid);
    expect(alive(pid)).toBe(true);
    expect(stuckRegistry.list().length).toBe(1);

    // Another subcommand of the same executable is not started at all.
    const second = await host.run(['hung-xl', 'list']);
    expect(starts('hung-xl')).toBe(1);
    expect(second).toMatchObject({ failed: true, stuck: false, timedOut: false, exitCode: null });
    expect(second.blockedBy).toEqual(entry);
    expect(second.stderr).toContain(`previous hung-xl still running (pid ${pid}`);
    expect(commandProblem(second)).toMatchObject({
      status: 'error',
      summary: 'previous hung-xl still running',
    });
    // Other commands are not affected.
    expect(await host.run(['other'])).toMatchObject({ exitCode: 0, stdout: 'fine\n' });

    // Once it finally exits, its 'exit' event releases it and the next instance runs.
    process.kill(-pid, 'SIGKILL');
    await waitFor(() => (host.stuckCommands?.() ?? []).length === 0);
    expect(stuckRegistry.list().length).toBe(0);
    const third = await host.run(['hung-xl', 'list'], { timeoutMs: 100 });
    expect(third.blockedBy).toBeUndefined();
    expect(third.stuck).toBe(true); // signals are still dropped: it hangs again, and is counted again
    for (const entry of host.stuckCommands?.() ?? []) leftovers.add(entry.pid);
    expect(starts('hung-xl')).toBe(2);
  });

  it('is shared by every host of the process (the daemon makes a host per cycle)', async () => {
    // Neither host is given a registry: the one that saw it hang and the next cycle's share the default.
    const cycle1 = createHost({ path: [bin], sendSignal: unkillable, ...fast });
    const cycle2 = createHost({ path: [bin], ...fast });
    expect(await cycle1.run(['shared-hang'])).toMatchObject({ stuck: true });
    for (const entry of cycle1.stuckCommands?.() ?? []) leftovers.add(entry.pid);
    const blocked = await cycle2.run(['shared-hang']);
    expect(blocked.blockedBy?.name).toBe('shared-hang');
    expect(starts('shared-hang')).toBe(1);
    expect(sharedStuckRegistry.list().length).toBe(1);
    for (const pid of leftovers) process.kill(-pid, 'SIGKILL');
    await waitFor(() => (cycle2.stuckCommands?.() ?? []).length === 0);
  });

  it('shows in a probe as error "previous ... still running" through ctx.parsed', async () => {
    const host = createHost({
      path: [bin],
      stuckRegistry: new StuckRegistry(),
      sendSignal: unkillable,
      ...fast,
    });
    const ctx = new Context(host);
    const hung = await ctx.parsed(['hung-xl', 'info'], (text) => text);
    expect(hung).toMatchObject({ ok: false, outcome: { status: 'error' } });
    expect(hung.ok === false && hung.outcome.summary).toMatch(/hung and could not be killed/);
    for (const entry of host.stuckCommands?.() ?? []) leftovers.add(entry.pid);
    const next = await new Context(host).parsed(['hung-xl', 'list'], (text) => text);
    expect(next).toMatchObject({
      ok: false,
      outcome: { status: 'error', summary: 'previous hung-xl still running' },
    });
    expect(next.ok === false && next.outcome.evidence[0]).toMatch(
      /hung-xl info: pid \d+ still alive after SIGKILL/,
    );
  });
});

describe('StuckRegistry', () => {
  it('drops an entry whose pid is gone, polled on each lookup (no exit event needed)', () => {
    let living = true;
    const registry = new StuckRegistry(() => living);
    registry.add({ name: 'xl', command: 'xl info', pid: 4242, since: 1000 });
    registry.add({ name: 'xen-diag', command: 'xen-diag gnttab_query_size 1', pid: 4243, since: 500 });
    expect(registry.blocking('xl')?.pid).toBe(4242);
    expect(registry.blocking('ethtool')).toBeUndefined();
    expect(registry.list().map((e) => e.name)).toEqual(['xen-diag', 'xl']); // oldest first
    living = false;
    expect(registry.blocking('xl')).toBeUndefined();
    expect(registry.list().length).toBe(0);
  });

  it('hands out copies: a caller cannot edit what blocks commands', () => {
    const registry = new StuckRegistry(() => true);
    registry.add({ name: 'xl', command: 'xl info', pid: 7, since: 1 });
    const [entry] = registry.list();
    if (entry) entry.name = 'other';
    expect(registry.blocking('xl')?.pid).toBe(7);
  });
});
