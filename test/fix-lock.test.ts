// Issue 12, item 7: a stale fix.lock taken over by several runs at once leaves exactly one holder; a
// backup left without a manifest by a killed fix does not stop --undo.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKUPS_DIR } from '../src/fix/backup.js';
import { FixError, nodeFs } from '../src/fix/fix-fs.js';
import { autoballoonOff } from '../src/remedies/autoballoon-off.js';
import { LOCK_FILE, withFixLock } from '../src/fix/lock.js';
import { fix, probeWith, tempHost } from './fix-helpers.js';

const STALE_PID = 2 ** 22 + 7; // above pid_max's default: no live process has it

/** A root with a lock left behind by a fix that was killed. */
function rootWithStaleLock(content = `${STALE_PID}\n`): string {
  const root = mkdtempSync(path.join(tmpdir(), 'xendoctor-lock-'));
  mkdirSync(path.dirname(path.join(root, LOCK_FILE)), { recursive: true });
  writeFileSync(path.join(root, LOCK_FILE), content);
  return root;
}

describe('taking over a stale fix.lock', () => {
  it('lets exactly one of many concurrent takers in at a time', async () => {
    // Every taker here is this process, so "alive" is anyone but the dead owner of the stale lock.
    const alive = (pid: number) => pid !== STALE_PID;
    for (let trial = 0; trial < 10; trial++) {
      const root = rootWithStaleLock();
      let holders = 0;
      let most = 0;
      let entered = 0;
      const takers = Array.from({ length: 8 }, () =>
        withFixLock(
          nodeFs,
          root,
          async () => {
            entered++;
            most = Math.max(most, ++holders);
            // Hold the lock across a few real file operations, as an apply does.
            for (let i = 0; i < 5; i++) readFileSync(path.join(root, LOCK_FILE));
            await new Promise((resolve) => setImmediate(resolve));
            await nodeFs.lstat(path.join(root, LOCK_FILE));
            holders--;
          },
          alive,
        ),
      );
      const outcomes = await Promise.allSettled(takers);
      expect(most, `trial ${trial}: holders at once`).toBe(1);
      expect(entered, `trial ${trial}`).toBeGreaterThanOrEqual(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(FixError);
          expect(String(outcome.reason)).toMatch(/another xendoctor fix/);
        }
      }
    }
  });

  it('writes its pid and a token, so a lock made by another run is never mistaken for the stale one', async () => {
    const root = rootWithStaleLock();
    await withFixLock(
      nodeFs,
      root,
      async () => {
        expect(readFileSync(path.join(root, LOCK_FILE), 'utf8')).toMatch(
          new RegExp(`^${process.pid} [0-9a-f]{16}\\n$`),
        );
      },
      (pid) => pid !== STALE_PID,
    );
  });
});

describe('fix --undo after a fix killed with -9', () => {
  it('passes over a backup folder without manifest.json, says so, and undoes the older valid one', async () => {
    const root = tempHost();
    const xlConf = path.join(root, 'etc/xen/xl.conf');
    const before = readFileSync(xlConf, 'utf8');
    const probes = [probeWith('dom0-memory', [autoballoonOff()])];
    expect((await fix(root, ['--apply', '--yes'], probes)).code).toBe(0);
    expect(readFileSync(xlConf, 'utf8')).not.toBe(before);
    // What a fix killed between creating its backup folder and writing its manifest leaves behind.
    const backups = path.join(root, BACKUPS_DIR);
    mkdirSync(path.join(backups, '20300101T000000Z'));
    writeFileSync(path.join(backups, '20300101T000001Z'), ''); // and a torn one: not even a folder
    mkdirSync(path.join(backups, '20300101T000002Z'));
    writeFileSync(path.join(backups, '20300101T000002Z', 'manifest.json'), '{"format":1,"fi');

    const undo = await fix(root, ['--undo', '--yes'], []);
    expect(undo.code).toBe(0);
    expect(undo.out).toContain('Skipping incomplete backup 20300101T000002Z');
    expect(undo.out).toContain('Skipping incomplete backup 20300101T000000Z');
    expect(readFileSync(xlConf, 'utf8')).toBe(before);
  });
});
