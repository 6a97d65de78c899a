// Issue 12, item 7: the textfile is written through a random O_EXCL|O_NOFOLLOW temp file, fsynced before
// the rename; reads under --root and command output per run are capped.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createHost, DEFAULT_MAX_FILE_BYTES, HostFileError } from '../src/host/host.js';
import { nodeTextfileIo, type TextfileIo, writeAtomically } from '../src/exporter/textfile.js';

const fixedSuffix = (suffix: string): TextfileIo => ({ ...nodeTextfileIo, suffix: () => suffix });

describe('textfile output', () => {
  it('never writes through a link planted at the temp name, and leaves the victim and the output alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-textfile-'));
    const victim = path.join(dir, 'shadow');
    writeFileSync(victim, 'root:x:0:0\n');
    const file = path.join(dir, 'xendoctor.prom');
    writeFileSync(file, 'old\n');
    symlinkSync(victim, path.join(dir, '.xendoctor.prom.guess.tmp'));
    await expect(writeAtomically(file, 'new\n', fixedSuffix('guess'))).rejects.toThrow(/EEXIST/);
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0\n');
    expect(readFileSync(file, 'utf8')).toBe('old\n');
  });

  it('uses a fresh random temp name each time (nothing to predict)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-textfile-'));
    const names: string[] = [];
    const io: TextfileIo = {
      ...nodeTextfileIo,
      rename: async (from, to) => {
        names.push(path.basename(from));
        await nodeTextfileIo.rename(from, to);
      },
    };
    for (let i = 0; i < 2; i++) await writeAtomically(path.join(dir, 'x.prom'), `${i}\n`, io);
    expect(names[0]).toMatch(/^\.x\.prom\.[0-9a-f]{16}\.tmp$/);
    expect(names[0]).not.toBe(names[1]);
    expect(readdirSync(dir)).toEqual(['x.prom']);
  });

  it('fsyncs the data before the rename, and the folder after it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-textfile-'));
    const steps: string[] = [];
    const base = fixedSuffix('s');
    const io: TextfileIo = {
      ...base,
      open: async (file, flags, mode) => {
        const handle = await base.open(file, flags, mode);
        const what = file === dir ? 'dir' : 'temp';
        const sync = handle.sync.bind(handle);
        handle.sync = async () => {
          steps.push(`fsync ${what}`);
          return sync();
        };
        return handle;
      },
      rename: async (from, to) => {
        steps.push('rename');
        return base.rename(from, to);
      },
    };
    await writeAtomically(path.join(dir, 'x.prom'), 'x 1\n', io);
    expect(steps).toEqual(['fsync temp', 'rename', 'fsync dir']);
  });
});

describe('reads under --root are capped', () => {
  const root = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-caps-'));
    mkdirSync(path.join(dir, 'proc'));
    return dir;
  };

  it('fails a file that is a link to /dev/zero with EFBIG instead of reading without end', async () => {
    const dir = root();
    symlinkSync('/dev/zero', path.join(dir, 'proc/cpuinfo'));
    const host = createHost({ root: dir, path: [] });
    const failure = await host.readFile('/proc/cpuinfo').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HostFileError);
    expect(failure).toMatchObject({ code: 'EFBIG' });
    expect(String(failure)).toContain(`read limit of ${DEFAULT_MAX_FILE_BYTES} bytes`);
    await expect(host.readFileBytes('/proc/cpuinfo')).rejects.toMatchObject({ code: 'EFBIG' });
  });

  it('reads a file of exactly the cap, and fails one byte more', async () => {
    const dir = root();
    writeFileSync(path.join(dir, 'proc/at'), 'x'.repeat(1000));
    writeFileSync(path.join(dir, 'proc/over'), 'x'.repeat(1001));
    const host = createHost({ root: dir, path: [], maxFileBytes: 1000 });
    expect(await host.readFile('/proc/at')).toHaveLength(1000);
    await expect(host.readFile('/proc/over')).rejects.toMatchObject({ code: 'EFBIG' });
  });

  it('reads files across the growing buffer exactly, and a one-line file into a small buffer', async () => {
    const dir = root();
    // Sizes around the first buffer (1 KiB) and its doublings, and one of several hundred KiB.
    const sizes = [0, 1, 1023, 1024, 1025, 2048, 4097, 300_000];
    for (const size of sizes) {
      writeFileSync(
        path.join(dir, `proc/f${size}`),
        Buffer.from(Array.from({ length: size }, (_, i) => i % 251)),
      );
    }
    const host = createHost({ root: dir, path: [] });
    for (const size of sizes) {
      const bytes = await host.readFileBytes(`/proc/f${size}`);
      expect(bytes.length).toBe(size);
      expect(bytes.every((byte, i) => byte === i % 251)).toBe(true);
    }
    // A sysfs counter is a few bytes: its read must not take a 64 KiB chunk (the daemon read ~1,400 of them
    // per cycle at 64 domains, and a chunk each grew its RSS without bound).
    writeFileSync(path.join(dir, 'proc/counter'), '123456\n');
    const allocations = vi.spyOn(Buffer, 'allocUnsafe');
    try {
      expect(await host.readFile('/proc/counter')).toBe('123456\n');
      const requested = allocations.mock.calls.reduce((sum, [size]) => sum + size, 0);
      expect(requested).toBeGreaterThan(0);
      expect(requested).toBeLessThanOrEqual(4096);
    } finally {
      allocations.mockRestore();
    }
  });

  it('does not hang on a FIFO planted under the root', async () => {
    const dir = root();
    expect(spawnSync('mkfifo', [path.join(dir, 'proc/mounts')]).status).toBe(0);
    expect(await createHost({ root: dir, path: [] }).readFile('/proc/mounts')).toBe('');
  });
});

describe('command output is capped per run, not only per command', () => {
  it('kills the command that takes the run over its total, and says which limit', async () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'xendoctor-runcap-'));
    const chatty = path.join(bin, 'chatty');
    writeFileSync(chatty, '#!/bin/sh\nexec /usr/bin/head -c 60000 /dev/zero\n');
    chmodSync(chatty, 0o755);
    const host = createHost({ path: [bin], maxOutputBytes: 1_000_000, maxRunOutputBytes: 100_000 });
    const first = await host.run(['chatty']);
    expect(first.failed).toBe(false);
    expect(first.stdout).toHaveLength(60000);
    const second = await host.run(['chatty']);
    expect(second.failed).toBe(true);
    expect(second.stdout.length).toBeLessThanOrEqual(40000);
    expect(second.stderr).toContain('output limit of this run reached (100000 bytes from all commands)');
    // A new run (a new host) starts with a fresh budget.
    const next = createHost({ path: [bin], maxOutputBytes: 1_000_000, maxRunOutputBytes: 100_000 });
    expect((await next.run(['chatty'])).failed).toBe(false);
  });
});
