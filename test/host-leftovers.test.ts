// Issue 12, item 2: a command that exits but leaves a child holding its stdout (`sleep 3011 &`). The seam
// stops waiting for the pipes, kills the command's process group, and counts what survives SIGKILL as
// stuck. No test here waits on a clock: each awaits the run, then looks at /proc.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHost, groupMembers, StuckRegistry } from '../src/host/host.js';

let bin: string;
const groups = new Set<number>();

beforeAll(() => {
  bin = mkdtempSync(path.join(tmpdir(), 'xd-leftovers-'));
  // Prints its pid (= its process group) and the pid of the child it leaves behind, then exits 0.
  const xl = path.join(bin, 'xl');
  writeFileSync(xl, '#!/bin/sh\nPATH=/usr/bin:/bin\necho $$\nsleep 3011 &\necho $!\nexit 0\n');
  chmodSync(xl, 0o755);
});

afterEach(() => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
  groups.clear();
});

afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** The pids an `xl` run printed: its own (the group) and its left-behind child's. */
const pidsOf = (stdout: string): [number, number] => {
  const [group, child] = stdout.trim().split('\n').map(Number);
  if (!group || !child) throw new Error(`unexpected output: ${stdout}`);
  groups.add(group);
  return [group, child];
};

/** A process's state letter from /proc (Z: a zombie, dead), or "gone". */
const processState = (pid: number): string => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '?';
  } catch {
    return 'gone';
  }
};

describe('a command that leaves a child holding its stdout', () => {
  it('returns its output and leaves no process of its group alive', async () => {
    const stuckRegistry = new StuckRegistry();
    const host = createHost({ path: [bin], stuckRegistry, killGraceMs: 300 });
    const result = await host.run(['xl']);
    const [group, child] = pidsOf(result.stdout);
    expect(result.exitCode).toBe(0);
    expect(result.failed).toBe(false);
    expect(groupMembers(group)).toEqual([]);
    expect(processState(child)).toMatch(/^(gone|Z)$/);
    expect(stuckRegistry.list().length).toBe(0);
  });

  it('counts a leftover that survives SIGKILL as stuck, and starts no second xl behind it', async () => {
    // SIGKILL cannot be made to fail without root and a wedged driver: the seam's signals are dropped here,
    // so the real `sleep` lives on as a process in uninterruptible sleep would.
    let leftoverAlive = true;
    const stuckRegistry = new StuckRegistry(undefined, () => leftoverAlive);
    const host = createHost({ path: [bin], stuckRegistry, killGraceMs: 100, sendSignal: () => {} });
    const result = await host.run(['xl']);
    const [group] = pidsOf(result.stdout);
    expect(result.exitCode).toBe(0);
    expect(groupMembers(group).length).toBeGreaterThan(0);
    expect(stuckRegistry.list()).toEqual([expect.objectContaining({ name: 'xl', pid: group, group: true })]);
    expect(stuckRegistry.list().length).toBe(1);
    expect((await host.run(['xl'])).blockedBy?.pid).toBe(group);

    leftoverAlive = false; // the leftover is gone: the entry leaves with it
    expect(stuckRegistry.list().length).toBe(0);
  });
});
