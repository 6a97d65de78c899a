// Issue 12, item 7: the textfile is written through a random O_EXCL|O_NOFOLLOW temp file, fsynced before
// the rename; reads under --root and command output per run are capped.
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
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
