// The host seam keeps at most MAX_CONCURRENT_READS files open for reading at once, whatever a probe asks
// for together (backend-stats asks for ~1,400 at 64 domains). node:fs is wrapped to count the open ones.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createHost, MAX_CONCURRENT_READS } from '../src/host/host.js';

const counted = vi.hoisted(() => ({ open: 0, most: 0 }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  type Callback = (error: NodeJS.ErrnoException | null, fd: number) => void;
  const open = (file: string, flags: number, callback: Callback) =>
    fs.open(file, flags, (error, fd) => {
      if (!error) counted.most = Math.max(counted.most, ++counted.open);
      callback(error, fd);
    });
  const close = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) =>
    fs.close(fd, (error) => {
      counted.open--;
      callback(error);
    });
  return { ...fs, default: { ...fs, open, close }, open, close };
});

let root: string;
const FILES = 200;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'xd-read-bound-'));
  mkdirSync(path.join(root, 'sys/counters'), { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(path.join(root, `sys/counters/c${i}`), `${i * 7}\n`);
});

describe('concurrent file reads', () => {
  it(`keeps at most ${MAX_CONCURRENT_READS} files open when ${FILES} reads are asked for at once`, async () => {
    counted.most = 0;
    const host = createHost({ root });
    const texts = await Promise.all(
      Array.from({ length: FILES }, (_, i) => host.readFile(`/sys/counters/c${i}`)),
    );
    expect(texts).toEqual(Array.from({ length: FILES }, (_, i) => `${i * 7}\n`));
    expect(counted.most).toBeGreaterThan(1); // the reads do overlap...
    expect(counted.most).toBeLessThanOrEqual(MAX_CONCURRENT_READS); // ...up to the bound
    expect(counted.open).toBe(0);
  });

  it('honours a smaller bound, and frees the slot of a read that failed', async () => {
    counted.most = 0;
    const host = createHost({ root, maxConcurrentReads: 2 });
    const reads = Array.from({ length: 40 }, (_, i) =>
      i % 5 === 0 ? host.readFileIfExists(`/sys/counters/missing${i}`) : host.readFile(`/sys/counters/c${i}`),
    );
    const texts = await Promise.all(reads);
    expect(texts.filter((text) => text === undefined)).toHaveLength(8);
    expect(texts[1]).toBe('7\n');
    expect(counted.most).toBeLessThanOrEqual(2);
    expect(counted.open).toBe(0);
  });
});
