// A Host decorator that remembers everything read through it: file contents (as bytes), missing and
// unreadable files, directory listings, links, existence tests, `which` lookups and every command's result.
// `xendoctor capture` runs the report through it and writes what it saw as a replayable fixture folder.
import * as path from 'node:path';
import { type CommandResult, type Host, HostFileError, type RunOptions } from '../host/host.js';

/** What reading one file gave: its bytes, "not there", or an error that replay can only approximate. */
export type FileRead =
  | { kind: 'file'; bytes: Buffer }
  | { kind: 'missing' }
  | { kind: 'unreadable'; code: string; message: string };

/** Everything one run read, keyed by normalised absolute host path (or argv for commands). */
export interface Recording {
  files: Map<string, FileRead>;
  /** listDir results; undefined = the directory did not exist. */
  dirs: Map<string, string[] | undefined>;
  /** readLink results; undefined = not a link. */
  links: Map<string, string | undefined>;
  /** exists() answers. */
  exists: Map<string, boolean>;
  /** which() answers: absolute path on the host, or undefined when not on the path. */
  which: Map<string, string | undefined>;
  /** Command results keyed by argv joined with NUL (argv itself is in the value). */
  commands: Map<string, { argv: readonly [string, ...string[]]; result: CommandResult }>;
}

/** A normalised absolute host path, as the host seam resolves it ("proc//x/../y" -> "/proc/y"). */
export function hostPath(file: string): string {
  return path.posix.normalize(`/${file}`);
}

const isMissing = (error: unknown) =>
  error instanceof HostFileError && (error.code === 'ENOENT' || error.code === 'ENOTDIR');

/** Wraps `inner`; the returned host behaves exactly like it and fills `recording` as a side effect. */
export function recordingHost(inner: Host): { host: Host; recording: Recording } {
  const recording: Recording = {
    files: new Map(),
    dirs: new Map(),
    links: new Map(),
    exists: new Map(),
    which: new Map(),
    commands: new Map(),
  };

  // Always read bytes, so a capture holds exactly what is on disk; text readers decode like the real seam.
  const readBytes = async (file: string): Promise<Buffer> => {
    const key = hostPath(file);
    try {
      const bytes = await inner.readFileBytes(file);
      recording.files.set(key, { kind: 'file', bytes });
      return bytes;
    } catch (error) {
      if (isMissing(error)) recording.files.set(key, { kind: 'missing' });
      else {
        const code = error instanceof HostFileError ? error.code : 'EIO';
        const message = error instanceof Error ? error.message : String(error);
        recording.files.set(key, { kind: 'unreadable', code, message });
      }
      throw error;
    }
  };

  const host: Host = {
    root: inner.root,
    async readFile(file) {
      return (await readBytes(file)).toString('utf8');
    },
    readFileBytes: readBytes,
    async readFileIfExists(file) {
      try {
        return (await readBytes(file)).toString('utf8');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async listDir(dir) {
      const names = await inner.listDir(dir);
      recording.dirs.set(hostPath(dir), names && [...names]);
      return names;
    },
    async exists(file) {
      const found = await inner.exists(file);
      recording.exists.set(hostPath(file), found);
      return found;
    },
    async readLink(file) {
      const target = await inner.readLink(file);
      recording.links.set(hostPath(file), target);
      return target;
    },
    async which(command) {
      const found = await inner.which(command);
      recording.which.set(command, found);
      return found;
    },
    async run(argv, opts?: RunOptions) {
      const result = await inner.run(argv, opts);
      recording.commands.set(argv.join('\0'), { argv: [...argv] as [string, ...string[]], result });
      return result;
    },
  };
  return { host, recording };
}
