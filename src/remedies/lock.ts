// One `xendoctor fix --apply` or `--undo` at a time on a host: two admins applying at once would each pass
// the "file unchanged since the plan" check and then write over each other's edits and backups. The lock is
// a file made with O_EXCL holding the owner's pid; a lock whose pid is gone (a killed fix) is taken over,
// so a crash never leaves the host locked. Plans take no lock: they change nothing.
import * as path from 'node:path';
import { isAlive } from '../host/host.js';
import { errnoOf, type FixFs, FixError, fsProblem, underRoot } from './apply.js';

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
  // Twice at most: the second try follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw fsProblem(LOCK_FILE, 'create', error);
    }
    const owner = await ownerOf(fs, file);
    if (owner === 'starting' || (owner !== undefined && alive(owner))) {
      const who = owner === 'starting' ? '' : ` (pid ${owner})`;
      throw new FixError(
        LOCK_FILE,
        `another xendoctor fix${who} is applying or undoing on this host; wait for it to finish (nothing was changed)`,
        'ELOCKED',
      );
    }
    // Its owner is gone, or it never wrote its pid and is older than a start-up: stale.
    await fs.unlink(file).catch(() => undefined);
  }
  throw new FixError(
    LOCK_FILE,
    `${LOCK_FILE} keeps coming back: is another fix starting? (nothing was changed)`,
  );
}

/** The pid in the lock; 'starting' for a lock made moments ago whose pid is not written yet. */
async function ownerOf(fs: FixFs, file: string): Promise<number | 'starting' | undefined> {
  try {
    const text = (await fs.readFile(file)).toString('utf8').trim();
    if (/^\d{1,10}$/.test(text)) return Number(text);
    const { mtimeMs } = await fs.lstat(file);
    return Date.now() - mtimeMs < STARTING_MS ? 'starting' : undefined;
  } catch {
    return undefined; // removed meanwhile: the next attempt takes it
  }
}

/** A lock without a pid younger than this belongs to a fix between creating it and writing its pid. */
const STARTING_MS = 5000;
