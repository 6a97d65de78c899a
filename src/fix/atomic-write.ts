// Replacing a file so that a crash leaves either the old or the new bytes, never a mix.
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { type FixFs, FixError, fsProblem } from './fix-fs.js';
import { readTarget, type Target } from './target.js';

export interface WriteOptions {
  mode: number;
  uid?: number;
  gid?: number;
  /** The hash the file must still have (undefined: it must still not exist); checked just before rename. */
  expectHash: string | undefined;
}

/**
 * Replaces `target` with `content` atomically: a temp file next to it gets the bytes, the mode and the owner,
 * is fsynced, and is renamed over the target only if the target still has the expected bytes. On any
 * failure the temp file is removed and the target is as it was.
 */
export async function atomicWrite(
  fs: FixFs,
  target: Pick<Target, 'path' | 'fsPath'>,
  content: Buffer | string,
  options: WriteOptions,
): Promise<void> {
  const dir = path.dirname(target.fsPath);
  const temp = path.join(dir, `.${path.basename(target.fsPath)}.xendoctor-${randomBytes(4).toString('hex')}`);
  let handle: FileHandle | undefined;
  let created = false;
  try {
    try {
      handle = await fs.open(temp, 'wx', 0o600);
      created = true;
      await handle.writeFile(content);
      if (options.uid !== undefined && options.gid !== undefined)
        await handle.chown(options.uid, options.gid);
      await handle.chmod(options.mode);
      await handle.sync();
    } catch (error) {
      throw fsProblem(target.path, 'write', error);
    } finally {
      await handle?.close().catch(() => undefined);
    }
    const now = await readTarget(fs, target);
    if (now.hash !== options.expectHash) {
      throw new FixError(
        target.path,
        `${target.path} changed since the plan was made (someone else edited it?): not written; run xendoctor fix again to see the new plan`,
        'ECHANGED',
      );
    }
    try {
      await fs.rename(temp, target.fsPath);
      created = false;
    } catch (error) {
      throw fsProblem(target.path, 'replace', error);
    }
    await syncDir(fs, dir);
  } finally {
    if (created) await fs.unlink(temp).catch(() => undefined);
  }
}

// The rename is durable only once the directory entry is on disk.
async function syncDir(fs: FixFs, dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
  }
}
