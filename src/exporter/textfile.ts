// `xendoctor report --format prometheus [--output FILE]`: one run's metrics for node_exporter's textfile
// collector, run from cron. The file is written to a temporary name in the same folder and renamed, so the
// collector never reads half a file (it only reads *.prom, so the dot-prefixed temp name is ignored); the
// temp name is random and made with O_EXCL|O_NOFOLLOW, so a link planted in a shared folder is never
// written through, and the data is fsynced before the rename.
// No process metrics (they would describe this short-lived process) and no command_timeouts_total (a
// counter that restarts at every run misleads rate()); a timed-out command shows as check_status 3.
import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { CheckResult } from '../check.js';
import { buildRegistry, CACHED } from './metrics.js';

/** What the HELP texts say of where a textfile's values come from. */
export const TEXTFILE_NOTE = 'Written by one `xendoctor --format prometheus` run.';

/** The text exposition of one report run. */
export async function renderOnce(
  results: readonly CheckResult[],
  finishedAt: number = Date.now(),
): Promise<string> {
  const text = await buildRegistry(
    { runs: results.map((result) => ({ result, finishedAt })) },
    'prometheus',
  ).metrics();
  // The daemon's HELP texts say they come from its schedule; this file comes from one cron run.
  return text.replaceAll(` ${CACHED}`, ` ${TEXTFILE_NOTE}`);
}

/** The file operations writeAtomically uses; tests wrap them to see the order (fsync before rename). */
export interface TextfileIo {
  open(file: string, flags: number, mode: number): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  /** A random part for the temp name; tests fix it to plant a link where the temp file will go. */
  suffix(): string;
}

export const nodeTextfileIo: TextfileIo = {
  open: (file, flags, mode) => fsp.open(file, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  suffix: () => randomBytes(8).toString('hex'),
};

/**
 * Writes `text` to `file` atomically and durably: a temp file with a random name in the same folder, made
 * with O_EXCL|O_NOFOLLOW (a link or file planted at that name makes it fail, never writes through), fsynced,
 * renamed over `file`, and the folder fsynced so the rename survives a crash.
 */
export async function writeAtomically(
  file: string,
  text: string,
  io: TextfileIo = nodeTextfileIo,
): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${io.suffix()}.tmp`);
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  const handle = await io.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  try {
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await io.rename(temp, file);
  } catch (caught) {
    await fsp.rm(temp, { force: true });
    throw caught;
  }
  await syncDir(io, dir);
}

// The rename is durable only once the folder's entry is on disk; some file systems refuse a folder fsync.
async function syncDir(io: TextfileIo, dir: string): Promise<void> {
  const handle = await io.open(dir, constants.O_RDONLY | constants.O_DIRECTORY, 0);
  try {
    await handle.sync();
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EINVAL')) throw error;
  } finally {
    await handle.close();
  }
}
