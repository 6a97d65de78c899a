// One `xendoctor fix --apply` or `--undo` at a time on a host: two admins applying at once would each pass
// the "file unchanged since the plan" check and then write over each other's edits and backups. The lock is
// a file made with O_EXCL holding the owner's pid and a random token; a lock whose pid is gone (a killed fix)
// is taken over, so a crash never leaves the host locked. Plans take no lock: they change nothing.
// Taking over is a check-then-remove, which two runs could interleave (each removing the lock the other has
// just made): it happens only under a second O_EXCL file, fix.lock.takeover, and removes the lock only if it
// still holds the very bytes (pid and token) that were judged stale.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { isAlive } from '../host/host.js';
import { errnoOf, type FixFs, FixError, fsProblem } from './fix-fs.js';
import { underRoot } from './target.js';

/** Beside the backups, under the host root. */
export const LOCK_FILE = '/var/lib/xendoctor/fix.lock';

/** Runs `fn` holding the lock; refuses (FixError) while another live fix holds it. */
export async function withFixLock<T>(
  fs: FixFs,
  root: string,
  fn: () => Promise<T>,
  alive: (pid: number) => boolean = isAlive,
): Promise<T> {
  const file = underRoot(root, LOCK_FILE);
  await take(fs, file, alive);
  try {
    return await fn();
  } finally {
    await fs.unlink(file).catch(() => undefined);
  }
}

async function take(fs: FixFs, file: string, alive: (pid: number) => boolean): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), 0o700);
  } catch (error) {
    throw fsProblem(path.posix.dirname(LOCK_FILE), 'create the folder', error);
  }
  const mine = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  // Twice at most: the second try follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, 'wx', 0o600);
      try {
        await handle.writeFile(mine);
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw fsProblem(LOCK_FILE, 'create', error);
    }
    const { owner, text } = await ownerOf(fs, file);
    if (owner === 'starting' || (owner !== undefined && alive(owner))) {
      const who = owner === 'starting' ? '' : ` (pid ${owner})`;
      throw new FixError(
        LOCK_FILE,
        `another xendoctor fix${who} is applying or undoing on this host; wait for it to finish (nothing was changed)`,
        'ELOCKED',
      );
    }
    // Its owner is gone, or it never wrote its pid and is older than a start-up: stale.
    if (text !== undefined) await removeStale(fs, file, text);
  }
  throw new FixError(
    LOCK_FILE,
    `${LOCK_FILE} keeps coming back: is another fix starting? (nothing was changed)`,
  );
}

/**
 * Removes the lock only if it still holds `stale` (its bytes when judged stale), under the takeover guard:
 * without it, a second run that judged the same lock stale could remove the lock this one just made.
 */
async function removeStale(fs: FixFs, file: string, stale: string): Promise<void> {
  const guard = `${file}.takeover`;
  let handle;
  try {
    handle = await fs.open(guard, 'wx', 0o600);
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw fsProblem(`${LOCK_FILE}.takeover`, 'create', error);
    // A takeover takes milliseconds: an old guard is what a fix killed in the middle of one left behind.
    const since = await fs.lstat(guard).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (since > STARTING_MS) await fs.unlink(guard).catch(() => undefined);
    throw new FixError(
      LOCK_FILE,
      'another xendoctor fix is taking over a stale lock on this host; try again (nothing was changed)',
      'ELOCKED',
    );
  }
  try {
    const now = await fs.readFile(file).then(
      (bytes) => bytes.toString('utf8'),
      () => undefined,
    );
    if (now === stale) await fs.unlink(file).catch(() => undefined);
  } finally {
    await handle.close().catch(() => undefined);
    await fs.unlink(guard).catch(() => undefined);
  }
}

/**
 * The pid in the lock ("<pid> <token>", or a bare pid from an older xendoctor); 'starting' for a lock made
 * moments ago whose pid is not written yet. `text` is the lock's bytes as read.
 */
async function ownerOf(
  fs: FixFs,
  file: string,
): Promise<{ owner: number | 'starting' | undefined; text?: string }> {
  try {
    const text = (await fs.readFile(file)).toString('utf8');
    const pid = /^(\d{1,10})(?: [0-9a-f]{1,64})?\n?$/.exec(text)?.[1];
    if (pid !== undefined) return { owner: Number(pid), text };
    const { mtimeMs } = await fs.lstat(file);
    return { owner: Date.now() - mtimeMs < STARTING_MS ? 'starting' : undefined, text };
  } catch {
    return { owner: undefined }; // removed meanwhile: the next attempt takes it
  }
}

/** A lock without a pid younger than this belongs to a fix between creating it and writing its pid. */
const STARTING_MS = 5000;
