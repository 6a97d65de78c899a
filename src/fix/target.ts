// Where a file a remedy names is on this machine: every path resolved under the host root by the same rule
// as the host seam's, symbolic links followed only while they stay under the root's /etc.
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import { errnoOf, type FixFs, FixError, fsProblem, sha256 } from './fix-fs.js';

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

// The host seam's rule: an absolute host path joined to the root must stay inside it.
export function underRoot(root: string, file: string): string {
  const joined = path.join(root, path.posix.normalize(`/${file}`));
  if (joined !== root && !joined.startsWith(root === '/' ? '/' : `${root}/`)) {
    throw new FixError(file, `${file}: path escapes the root ${root}`, 'EINVAL');
  }
  return joined;
}

export function hostPathOf(realRoot: string, fsPath: string): string | undefined {
  if (realRoot === '/') return fsPath;
  if (fsPath === realRoot) return '/';
  return fsPath.startsWith(`${realRoot}/`) ? fsPath.slice(realRoot.length) : undefined;
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
