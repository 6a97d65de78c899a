// The file operations fix uses, and its errors. Fix writes through this small injectable layer (not the
// read-only host seam) so tests can make it fail with EROFS or EACCES even when they run as root.
import { createHash } from 'node:crypto';
import { promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

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

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
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
