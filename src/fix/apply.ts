// Writing remedies to the host, carefully. The host seam (src/host/host.ts) stays read-only so no probe and
// no daemon can ever write; fix does its writing here, through a small injectable file-system layer (tests
// make it fail with EROFS or EACCES even when they run as root), with every path resolved under the host
// root by the same rule as the seam's. Each file is replaced atomically (temp file in the same directory,
// fsync, rename, fsync of the directory), only after checking that it still has the bytes the plan saw,
// and only after its old bytes are saved under /var/lib/xendoctor/backups/<timestamp>/ with a manifest.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { RemedyAction } from '../check.js';
import type { CommandResult, Host } from '../host/host.js';
import { VERSION } from '../version.js';
import type { FileChange, Plan } from './plan.js';
import { shellJoin } from '../remedies/quote.js';

/** The file operations fix uses; `nodeFs` on a real host, a wrapper that fails on purpose in tests. */
export interface FixFs {
  readFile(file: string): Promise<Buffer>;
  lstat(file: string): Promise<Stats>;
  realpath(file: string): Promise<string>;
  open(file: string, flags: string, mode?: number): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  mkdir(dir: string, mode: number): Promise<void>;
  readdir(dir: string): Promise<string[]>;
}

export const nodeFs: FixFs = {
  readFile: (file) => fsp.readFile(file),
  lstat: (file) => fsp.lstat(file),
  realpath: (file) => fsp.realpath(file),
  open: (file, flags, mode) => fsp.open(file, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
  mkdir: async (dir, mode) => {
    await fsp.mkdir(dir, { recursive: true, mode });
  },
  readdir: (dir) => fsp.readdir(dir),
};

/** Where backups go, under the host root. */
export const BACKUPS_DIR = '/var/lib/xendoctor/backups';
/** Runtime actions get this long unless the remedy says otherwise. */
export const ACTION_TIMEOUT_MS = 60_000;

/** Something fix will not or cannot do; the message says what, why, and that nothing was changed. */
export class FixError extends Error {
  override name = 'FixError';
  constructor(
    readonly file: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A file a remedy edits, located on this machine. */
export interface Target {
  /** The host path the remedy names ("/etc/default/grub"). */
  path: string;
  /** The host path after symlinks: what is actually replaced. */
  realPath: string;
  /** realPath joined to the root. */
  fsPath: string;
  exists: boolean;
  stat?: Stats;
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// The host seam's rule: an absolute host path joined to the root must stay inside it.
export function underRoot(root: string, file: string): string {
  const joined = path.join(root, path.posix.normalize(`/${file}`));
  if (joined !== root && !joined.startsWith(root === '/' ? '/' : `${root}/`)) {
    throw new FixError(file, `${file}: path escapes the root ${root}`, 'EINVAL');
  }
  return joined;
}

function hostPathOf(realRoot: string, fsPath: string): string | undefined {
  if (realRoot === '/') return fsPath;
  if (fsPath === realRoot) return '/';
  return fsPath.startsWith(`${realRoot}/`) ? fsPath.slice(realRoot.length) : undefined;
}

/** An errno name from a thrown value (EROFS, EACCES...). */
export function errnoOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** A FixError that tells an admin what happened to `file` when `doing` failed. */
export function fsProblem(file: string, doing: string, error: unknown): FixError {
  if (error instanceof FixError) return error;
  const code = errnoOf(error);
  const why: Record<string, string> = {
    EROFS: 'the file system is read-only (remount it read-write, or make the change by hand elsewhere)',
    EACCES: 'permission denied (run xendoctor fix as root)',
    EPERM: 'operation not permitted (run xendoctor fix as root; is the file immutable? see lsattr)',
    ENOENT: 'no such file or directory',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a parent of the path is not a directory',
    EISDIR: 'it is a directory',
  };
  const detail = (code && why[code]) ?? (error instanceof Error ? error.message : String(error));
  return new FixError(file, `cannot ${doing} ${file}: ${detail}`, code);
}

/**
 * Locates a file a remedy may edit: only under /etc, and a symbolic link (the file or a directory above it)
 * must lead to a place that is still under the root's /etc. A missing file is fine (write-file creates
 * one) but its directory must exist.
 */
export async function resolveTarget(fs: FixFs, root: string, file: string): Promise<Target> {
  if (!file.startsWith('/') || path.posix.normalize(file) !== file || !file.startsWith('/etc/')) {
    throw new FixError(
      file,
      `${file}: xendoctor only edits files under /etc, given by a plain absolute path`,
    );
  }
  const joined = underRoot(root, file);
  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
  } catch (error) {
    throw fsProblem(root, 'resolve the root', error);
  }
  let fsPath: string;
  let exists = true;
  try {
    fsPath = await fs.realpath(joined);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw fsProblem(file, 'resolve', error);
    const link = await fs.lstat(joined).catch(() => undefined);
    if (link?.isSymbolicLink())
      throw new FixError(file, `${file} is a symbolic link to nowhere; nothing was changed`);
    exists = false;
    try {
      fsPath = path.join(await fs.realpath(path.dirname(joined)), path.basename(joined));
    } catch (dirError) {
      const dir = path.posix.dirname(file);
      if (errnoOf(dirError) === 'ENOENT') {
        throw new FixError(
          file,
          `${dir} does not exist (does this host use it?): ${file} not written; nothing was changed`,
          'ENOENT',
        );
      }
      throw fsProblem(dir, 'find the directory', dirError);
    }
  }
  const realPath = hostPathOf(realRoot, fsPath);
  if (realPath === undefined || !realPath.startsWith('/etc/')) {
    throw new FixError(
      file,
      `${file} leads (through a symbolic link) to ${realPath ?? fsPath}, outside /etc: refusing to write there; nothing was changed`,
    );
  }
  if (!exists) return { path: file, realPath, fsPath, exists };
  const stat = await fs.lstat(fsPath).catch((error: unknown) => {
    throw fsProblem(file, 'inspect', error);
  });
  if (!stat.isFile()) throw new FixError(file, `${file} is not a regular file; nothing was changed`);
  return { path: file, realPath, fsPath, exists, stat };
}

/** A target's content as text, with the hash of its exact bytes; text undefined when it does not exist. */
export async function readTarget(
  fs: FixFs,
  target: Pick<Target, 'path' | 'fsPath'>,
): Promise<{ text: string | undefined; hash: string | undefined }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(target.fsPath);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { text: undefined, hash: undefined };
    throw fsProblem(target.path, 'read', error);
  }
  const text = bytes.toString('utf8');
  // Decoding and encoding back must give the same bytes, or writing the edit would change other lines too.
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    throw new FixError(target.path, `${target.path} is not UTF-8 text; edit it by hand`);
  }
  return { text, hash: sha256(bytes) };
}

/** Reads any file under the root (e.g. /boot/grub/menu.lst, read for instructions only). */
export async function readUnderRoot(fs: FixFs, root: string, file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(underRoot(root, file))).toString('utf8');
  } catch {
    return undefined;
  }
}

interface WriteOptions {
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

/** One file in a backup: enough to restore it byte for byte, or to remove it if fix created it. */
export interface ManifestFile {
  path: string;
  realPath: string;
  existed: boolean;
  /** Mode, owner and hash before the change (absent when fix created the file). */
  mode?: number;
  uid?: number;
  gid?: number;
  before?: string;
  after: string;
  /** The saved copy, relative to the backup folder. */
  backup?: string;
  remedies: string[];
}

export interface ManifestCommand {
  remedy: string;
  argv: string[];
  exitCode: number | null;
  failed: boolean;
  timedOut: boolean;
}

/** manifest.json in each backup folder. */
export interface Manifest {
  format: 1;
  xendoctor: string;
  createdAt: string;
  root: string;
  remedies: string[];
  state: 'applying' | 'applied' | 'failed' | 'rolled-back' | 'undone';
  files: ManifestFile[];
  commands: ManifestCommand[];
  undoneAt?: string;
}

export interface ApplyDeps {
  fs: FixFs;
  host: Host;
  now: () => Date;
  /** Whether runtime actions may run (false with --root but no --path: they would act on this machine). */
  runActions: boolean;
  /** Progress for people, one line at a time. */
  say: (line: string) => void;
}

export interface ApplyResult {
  /** Files written; 0 with nothing to do. */
  written: number;
  commandsRun: number;
  failed: boolean;
  backup?: string;
}

/** Folder name of a backup made at `date`: 20261121T102854Z, sortable. */
export function backupName(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

async function backupRoot(fs: FixFs, root: string): Promise<string> {
  const dir = underRoot(root, BACKUPS_DIR);
  try {
    await fs.mkdir(dir, 0o700);
  } catch (error) {
    throw fsProblem(BACKUPS_DIR, 'create the backup folder', error);
  }
  const [real, realRoot] = await Promise.all([fs.realpath(dir), fs.realpath(root)]);
  if (hostPathOf(realRoot, real) === undefined) {
    throw new FixError(
      BACKUPS_DIR,
      `${BACKUPS_DIR} leads outside the root ${root}: refusing to keep backups there`,
    );
  }
  return real;
}

async function newBackupFolder(fs: FixFs, root: string, date: Date): Promise<{ name: string; dir: string }> {
  const parent = await backupRoot(fs, root);
  const existing = new Set(await fs.readdir(parent));
  const base = backupName(date);
  let name = base;
  for (let n = 2; existing.has(name); n++) name = `${base}-${n}`;
  const dir = path.join(parent, name);
  try {
    await fs.mkdir(dir, 0o700);
  } catch (error) {
    throw fsProblem(`${BACKUPS_DIR}/${name}`, 'create the backup folder', error);
  }
  return { name, dir };
}

async function writeManifest(fs: FixFs, dir: string, manifest: Manifest): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const now = await readTarget(fs, { path: file, fsPath: file });
  await atomicWrite(fs, { path: file, fsPath: file }, `${JSON.stringify(manifest, null, 2)}\n`, {
    mode: 0o600,
    expectHash: now.hash,
  });
}

/**
 * Applies a plan: the changed files (backed up first, all checked before any is written, rolled back if one
 * fails), then the runtime actions of the remedies whose files all went in. Nothing to change: says so.
 */
export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const { fs, say } = deps;
  const applying = plan.remedies.filter((r) => r.state === 'apply');
  const files = plan.files;
  const actions = applying.flatMap((r) => r.actions.map((action) => ({ remedy: r.remedy.id, action })));
  if (files.length === 0 && actions.length === 0) {
    say('Nothing to change: every selected remedy is already applied.');
    return { written: 0, commandsRun: 0, failed: false };
  }

  // Every target is checked (same place, same bytes) before anything is written.
  for (const file of files) {
    const target = await resolveTarget(fs, plan.root, file.path);
    if (target.fsPath !== file.fsPath) {
      throw new FixError(
        file.path,
        `${file.path} now leads somewhere else than when the plan was made; nothing was changed`,
      );
    }
    const now = await readTarget(fs, target);
    if (now.hash !== file.beforeHash) {
      throw new FixError(
        file.path,
        `${file.path} changed since the plan was made; nothing was changed (run xendoctor fix again to see the new plan)`,
        'ECHANGED',
      );
    }
  }

  const { name, dir } = await newBackupFolder(fs, plan.root, deps.now());
  const manifest: Manifest = {
    format: 1,
    xendoctor: VERSION,
    createdAt: deps.now().toISOString(),
    root: plan.root,
    remedies: applying.map((r) => r.remedy.id),
    state: 'applying',
    files: [],
    commands: [],
  };
  try {
    for (const file of files) manifest.files.push(await backUp(fs, dir, file));
    await writeManifest(fs, dir, manifest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new FixError(
      BACKUPS_DIR,
      `could not save the backup (${message}); nothing was changed`,
      errnoOf(error),
    );
  }

  const written: FileChange[] = [];
  for (const file of files) {
    try {
      await atomicWrite(fs, file, file.after, {
        mode: file.mode,
        uid: file.uid,
        gid: file.gid,
        expectHash: file.beforeHash,
      });
      written.push(file);
      say(`  wrote ${file.path}${file.realPath !== file.path ? ` (-> ${file.realPath})` : ''}`);
    } catch (error) {
      say(`  FAILED ${error instanceof Error ? error.message : String(error)}`);
      const restored = await rollBack(fs, dir, written, manifest);
      manifest.state = restored ? 'rolled-back' : 'failed';
      await writeManifest(fs, dir, manifest).catch(() => undefined);
      say(
        restored
          ? written.length > 0
            ? `  rolled back ${written.map((f) => f.path).join(', ')}: every file is as it was; no command was run.`
            : '  Nothing was changed; no command was run.'
          : `  Some files could not be rolled back: restore them with xendoctor fix --undo ${name}`,
      );
      return { written: 0, commandsRun: 0, failed: true, backup: name };
    }
  }

  let failed = false;
  let commandsRun = 0;
  if (actions.length > 0 && !deps.runActions) {
    say('  Not running the commands: --root without --path would run them on this machine. Run them there:');
    for (const { action } of actions) say(`    $ ${shellJoin(action.argv)}`);
  } else {
    const broken = new Set<string>();
    for (const { remedy, action } of actions) {
      if (broken.has(remedy)) {
        say(`  skipped: ${shellJoin(action.argv)} (an earlier command of ${remedy} failed)`);
        continue;
      }
      const result = await deps.host.run(action.argv, { timeoutMs: action.timeoutMs ?? ACTION_TIMEOUT_MS });
      commandsRun++;
      manifest.commands.push(commandRecord(remedy, action, result));
      if (result.failed) {
        failed = true;
        broken.add(remedy);
        say(`  FAILED $ ${result.command}: ${whyFailed(result)}`);
      } else say(`  ran $ ${result.command}`);
    }
  }
  manifest.state = failed ? 'failed' : 'applied';
  await writeManifest(fs, dir, manifest);
  return { written: written.length, commandsRun, failed, backup: name };
}

async function backUp(fs: FixFs, dir: string, file: FileChange): Promise<ManifestFile> {
  const entry: ManifestFile = {
    path: file.path,
    realPath: file.realPath,
    existed: file.existed,
    after: sha256(file.after),
    remedies: file.remedies,
  };
  if (!file.existed || file.before === undefined) return entry;
  const backup = path.posix.join('files', file.realPath);
  const copy = path.join(dir, backup);
  try {
    await fs.mkdir(path.dirname(copy), 0o700);
  } catch (error) {
    throw fsProblem(copy, 'create the backup folder for', error);
  }
  // The exact bytes the plan saw (readTarget refused anything that is not exact UTF-8).
  await atomicWrite(fs, { path: copy, fsPath: copy }, file.before, { mode: 0o600, expectHash: undefined });
  return {
    ...entry,
    mode: file.modeBefore,
    uid: file.uid,
    gid: file.gid,
    before: file.beforeHash,
    backup,
  };
}

async function rollBack(
  fs: FixFs,
  dir: string,
  written: readonly FileChange[],
  manifest: Manifest,
): Promise<boolean> {
  let ok = true;
  for (const file of [...written].reverse()) {
    const entry = manifest.files.find((f) => f.realPath === file.realPath);
    try {
      await restore(fs, dir, manifest.root, entry as ManifestFile);
    } catch {
      ok = false;
    }
  }
  return ok;
}

function commandRecord(remedy: string, action: RemedyAction, result: CommandResult): ManifestCommand {
  return {
    remedy,
    argv: [...action.argv],
    exitCode: result.exitCode,
    failed: result.failed,
    timedOut: result.timedOut,
  };
}

function whyFailed(result: CommandResult): string {
  if (result.notFound) return 'not found on the path';
  if (result.timedOut) return `timed out after ${Math.round(result.durationMs / 1000)} s`;
  if (result.spawnError) return result.spawnError;
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0]?.slice(0, 200);
  return `exit ${result.exitCode ?? result.signal}${said ? `: ${said}` : ''}`;
}

// Puts one file back as the manifest recorded it before the change (or removes a file fix created).
async function restore(fs: FixFs, dir: string, root: string, entry: ManifestFile): Promise<void> {
  const target = await resolveTarget(fs, root, entry.realPath);
  const now = await readTarget(fs, target);
  if (!entry.existed) {
    if (now.hash === undefined) return;
    try {
      await fs.unlink(target.fsPath);
    } catch (error) {
      throw fsProblem(entry.path, 'remove', error);
    }
    return;
  }
  const saved = await fs.readFile(path.join(dir, entry.backup ?? '')).catch((error: unknown) => {
    throw fsProblem(entry.path, 'read the backup of', error);
  });
  if (sha256(saved) !== entry.before) {
    throw new FixError(
      entry.path,
      `the backup of ${entry.path} does not match its recorded hash; not restored`,
    );
  }
  if (now.hash === entry.before) return;
  await atomicWrite(fs, target, saved, {
    mode: entry.mode ?? 0o644,
    uid: entry.uid,
    gid: entry.gid,
    expectHash: now.hash,
  });
}

export interface UndoResult {
  backup?: string;
  restored: number;
  failed: boolean;
}

/** Folder names of all backups, oldest first. */
export async function listBackups(fs: FixFs, root: string): Promise<string[]> {
  try {
    const names = await fs.readdir(underRoot(root, BACKUPS_DIR));
    return names.filter((n) => /^\d{8}T\d{6}Z(-\d+)?$/.test(n)).sort(compareBackups);
  } catch {
    return [];
  }
}

// 20261121T102854Z < 20261121T102854Z-2 < 20261121T102854Z-10
function compareBackups(a: string, b: string): number {
  const [ta = '', na = '1'] = a.split('-');
  const [tb = '', nb = '1'] = b.split('-');
  return ta === tb ? Number(na) - Number(nb) : ta < tb ? -1 : 1;
}

async function readManifest(
  fs: FixFs,
  root: string,
  name: string,
): Promise<{ dir: string; manifest: Manifest }> {
  const dir = underRoot(root, `${BACKUPS_DIR}/${name}`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse((await fs.readFile(path.join(dir, 'manifest.json'))).toString('utf8')) as Manifest;
  } catch (error) {
    throw fsProblem(`${BACKUPS_DIR}/${name}/manifest.json`, 'read', error);
  }
  if (manifest.format !== 1 || !Array.isArray(manifest.files)) {
    throw new FixError(
      name,
      `${BACKUPS_DIR}/${name}/manifest.json is not a manifest this xendoctor understands`,
    );
  }
  return { dir, manifest };
}

/**
 * A backup to undo: the named one, or the newest that changed files and is not undone or rolled back;
 * backups without a readable manifest are passed over (told to `onSkip`) unless named.
 */
export async function findBackup(
  fs: FixFs,
  root: string,
  name: string | undefined,
  onSkip?: (name: string, reason: string) => void,
): Promise<{ name: string; dir: string; manifest: Manifest } | undefined> {
  if (name !== undefined && !/^\d{8}T\d{6}Z(-\d+)?$/.test(name)) {
    throw new FixError(
      name,
      `no backup named ${JSON.stringify(name)} (backup names look like 20261121T102854Z)`,
    );
  }
  const names = await listBackups(fs, root);
  if (name !== undefined) {
    if (!names.includes(name)) throw new FixError(name, `no backup ${name} under ${BACKUPS_DIR}`);
    return { name, ...(await readManifest(fs, root, name)) };
  }
  for (const candidate of [...names].reverse()) {
    // A fix killed (-9) between creating its backup folder and writing the manifest leaves a folder
    // without one; it changed nothing yet (files are written only after the manifest), so look further.
    let read: Awaited<ReturnType<typeof readManifest>>;
    try {
      read = await readManifest(fs, root, candidate);
    } catch (error) {
      if (!(error instanceof FixError)) throw error;
      onSkip?.(candidate, error.message);
      continue;
    }
    const { state, files } = read.manifest;
    if (state !== 'undone' && state !== 'rolled-back' && files.length > 0)
      return { name: candidate, ...read };
  }
  return undefined;
}

/**
 * Restores the files of a backup (see findBackup) byte for byte, with their mode and owner, and removes
 * files fix created. Every file is checked first: one that changed since fix wrote it stops the undo before
 * anything is touched. Runtime commands are not undone; they are listed.
 */
export async function undoBackup(
  name: string | undefined,
  deps: Pick<ApplyDeps, 'fs' | 'say' | 'now'> & { root: string },
): Promise<UndoResult> {
  const { fs, say, root } = deps;
  const chosen = await findBackup(fs, root, name, (skipped, reason) =>
    say(`Skipping incomplete backup ${skipped} (${reason}).`),
  );
  if (!chosen) {
    say(`Nothing to undo: no backup under ${BACKUPS_DIR} with changes that are not undone yet.`);
    return { restored: 0, failed: false };
  }
  const { dir, manifest } = chosen;
  if (manifest.state === 'undone') {
    say(
      `Backup ${chosen.name} was already undone at ${manifest.undoneAt ?? 'an earlier run'}; nothing changed.`,
    );
    return { backup: chosen.name, restored: 0, failed: false };
  }

  // Check all first: a file edited since the apply is the admin's now, and a partial undo helps nobody.
  const todo: ManifestFile[] = [];
  for (const entry of manifest.files) {
    const target = await resolveTarget(fs, root, entry.realPath);
    const now = await readTarget(fs, target);
    if (now.hash === (entry.existed ? entry.before : undefined)) continue;
    if (now.hash !== entry.after) {
      const saved = entry.backup ? ` (the old copy is ${BACKUPS_DIR}/${chosen.name}/${entry.backup})` : '';
      throw new FixError(
        entry.path,
        `${entry.path} changed since xendoctor wrote it: not undoing anything${saved}; restore it by hand if that is still what you want`,
        'ECHANGED',
      );
    }
    todo.push(entry);
  }
  let restored = 0;
  for (const entry of [...todo].reverse()) {
    await restore(fs, dir, root, entry);
    restored++;
    say(`  ${entry.existed ? 'restored' : 'removed'} ${entry.path}`);
  }
  if (todo.length === 0) say(`  every file of ${chosen.name} already has its old content`);
  manifest.state = 'undone';
  manifest.undoneAt = deps.now().toISOString();
  await writeManifest(fs, dir, manifest);
  const ran = manifest.commands.filter((c) => !c.failed);
  if (ran.length > 0) {
    say(
      '  Commands that ran are not undone (their effect ends at the next reboot unless the restored files keep it):',
    );
    for (const c of ran) say(`    $ ${shellJoin(c.argv)}`);
  }
  return { backup: chosen.name, restored, failed: false };
}
