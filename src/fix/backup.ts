// Backups under /var/lib/xendoctor/backups/<timestamp>/: the old bytes of each file fix changes, and a
// manifest that says what was changed, so an apply can roll back and `fix --undo` can restore.
import * as path from 'node:path';
import { atomicWrite } from './atomic-write.js';
import { type FixFs, FixError, fsProblem, sha256 } from './fix-fs.js';
import type { FileChange } from './plan.js';
import { hostPathOf, readTarget, resolveTarget, underRoot } from './target.js';

/** Where backups go, under the host root. */
export const BACKUPS_DIR = '/var/lib/xendoctor/backups';

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

/** Folder name of a backup made at `date`: 20261121T102854Z, sortable. */
function backupName(date: Date): string {
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

export async function newBackupFolder(
  fs: FixFs,
  root: string,
  date: Date,
): Promise<{ name: string; dir: string }> {
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

export async function writeManifest(fs: FixFs, dir: string, manifest: Manifest): Promise<void> {
  const file = path.join(dir, 'manifest.json');
  const now = await readTarget(fs, { path: file, fsPath: file });
  await atomicWrite(fs, { path: file, fsPath: file }, `${JSON.stringify(manifest, null, 2)}\n`, {
    mode: 0o600,
    expectHash: now.hash,
  });
}

export async function backUp(fs: FixFs, dir: string, file: FileChange): Promise<ManifestFile> {
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

// Puts one file back as the manifest recorded it before the change (or removes a file fix created).
export async function restore(fs: FixFs, dir: string, root: string, entry: ManifestFile): Promise<void> {
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

export async function readManifest(
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
