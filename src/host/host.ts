// The only door to the machine. Every file xendoctor reads is resolved under `root`, every command is
// looked up in `path` and run without a shell, with LC_ALL=C and a timeout. A whole host can therefore be
// replayed from a folder: files under the folder, fake commands first on the path (see test/fixtures/hosts).
import { spawn } from 'node:child_process';
import { constants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { MetricSample } from '../check.js';

/** What one command did; the vocabulary follows execa's result object. */
export interface CommandResult {
  /** argv joined by spaces, for messages and evidence. */
  command: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** true when the command did not exit 0, timed out, was not found or could not start. */
  failed: boolean;
  timedOut: boolean;
  /** The command is not on the path: callers turn this into `skip`, never a crash. */
  notFound: boolean;
  /** Still alive after SIGKILL (e.g. `xl` blocked in the kernel): left behind, never waited for. */
  stuck: boolean;
  /** Set when the process could not be started at all (EACCES, ENOEXEC...). */
  spawnError?: string;
  /**
   * Not started: an earlier instance of the same executable is stuck (alive after SIGKILL), and another
   * would only pile up behind whatever holds it (xenstored gone, a wedged driver). Probes report it as
   * error "previous xl still running".
   */
  blockedBy?: StuckCommand;
  durationMs: number;
}

/** A command given up on: still alive after SIGTERM, SIGKILL and a grace. */
export interface StuckCommand {
  /** The executable name (argv[0], e.g. "xl"): no new instance of it starts while this one lives. */
  name: string;
  /** argv joined by spaces. */
  command: string;
  pid: number;
  /** When it was given up on, ms since the epoch. */
  since: number;
}

export interface RunOptions {
  /** Overrides the host's default timeout for this command. */
  timeoutMs?: number;
}

export interface Host {
  /** The folder every path is resolved under ("/" on a real host). */
  readonly root: string;
  /** Reads a text file under the root. Throws a HostFileError (code ENOENT, EACCES...) on failure. */
  readFile(file: string): Promise<string>;
  /** Reads a file under the root as bytes (e.g. /proc/config.gz). Throws a HostFileError like readFile. */
  readFileBytes(file: string): Promise<Buffer>;
  /** Like readFile, but a missing file (or a missing parent) is `undefined` instead of an error. */
  readFileIfExists(file: string): Promise<string | undefined>;
  /** Names in a directory under the root, sorted; `undefined` when it does not exist. */
  listDir(dir: string): Promise<string[] | undefined>;
  /** Whether a path exists under the root (any type). */
  exists(file: string): Promise<boolean>;
  /** Target of a symbolic link under the root, `undefined` when it is not a link. */
  readLink(file: string): Promise<string | undefined>;
  /** Runs argv[0] found on the path. Never throws: inspect the result. */
  run(argv: readonly [string, ...string[]], opts?: RunOptions): Promise<CommandResult>;
  /** Absolute path of a command on the path, or undefined. */
  which(command: string): Promise<string | undefined>;
  /**
   * Commands left running after SIGKILL that are still alive, oldest first (optional so that decorators
   * such as the capture's recording host stay valid; createHost always has it).
   */
  stuckCommands?(): StuckCommand[];
}

export interface HostOptions {
  /** Folder that stands for "/". Default "/". */
  root?: string;
  /** Directories searched for commands, in order. Default: $PATH. */
  path?: readonly string[];
  /** Default command timeout. Default 10 s. */
  timeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL, and after SIGKILL before a child is declared stuck. */
  killGraceMs?: number;
  /** At most this many child processes at once (a pool of 4-6 is fastest on small hosts). */
  maxConcurrent?: number;
  /** Output beyond this many bytes per stream kills the command (garbage must not eat dom0's memory). */
  maxOutputBytes?: number;
  /**
   * Where stuck commands are remembered. Default: one registry for the whole process, because the daemon
   * makes a fresh host per cycle and a stuck `xl` is a fact about the machine, not about one run.
   */
  stuckRegistry?: StuckRegistry;
  /**
   * Sends a signal to a process (a negative pid: its whole group); default process.kill. Only tests replace
   * it: a process that SIGKILL cannot end (an `xl` in uninterruptible sleep, state D) cannot be made without
   * root and a misbehaving driver, so a test drops SIGKILL here to play one with a real, live process.
   */
  sendSignal?: (pid: number, signal: NodeJS.Signals) => void;
  /**
   * When aborted (the daemon got SIGTERM), running commands' process groups are killed at once and new
   * commands do not start: a hung `xl` must not hold the shutdown until its timeout, nor outlive the daemon.
   */
  abortSignal?: AbortSignal;
}

/** A file under the root could not be read; `code` is the errno name (ENOENT, EACCES, EISDIR...). */
export class HostFileError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    detail: string,
  ) {
    super(`cannot read ${file}: ${detail}`);
    this.name = 'HostFileError';
  }
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Creates the host seam. Cheap: nothing is touched until a probe asks. */
export function createHost(options: HostOptions = {}): Host {
  const root = path.resolve(options.root ?? '/');
  const searchPath = options.path ?? (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const killGraceMs = options.killGraceMs ?? 1000;
  const maxOutputBytes = options.maxOutputBytes ?? 16 * 1024 * 1024;
  const slots = new Semaphore(options.maxConcurrent ?? 4);
  const stuck = options.stuckRegistry ?? sharedStuckRegistry;
  const sendSignal =
    options.sendSignal ?? ((pid: number, signal: NodeJS.Signals) => process.kill(pid, signal));
  const whichCache = new Map<string, Promise<string | undefined>>();

  // Host paths are absolute ("/proc/xen/capabilities"); they are joined to the root and must stay inside it.
  const resolve = (file: string): string => {
    const joined = path.join(root, path.posix.normalize(`/${file}`));
    if (joined !== root && !joined.startsWith(root === '/' ? '/' : `${root}/`)) {
      throw new HostFileError(file, 'EINVAL', 'path escapes the root');
    }
    return joined;
  };

  const readFile = async (file: string): Promise<string> => {
    try {
      return await fsp.readFile(resolve(file), 'utf8');
    } catch (error) {
      throw toFileError(file, error);
    }
  };

  const which = (command: string): Promise<string | undefined> => {
    let found = whichCache.get(command);
    if (!found) {
      found = findOnPath(command, searchPath);
      whichCache.set(command, found);
    }
    return found;
  };

  return {
    root,
    readFile,
    async readFileBytes(file) {
      try {
        return await fsp.readFile(resolve(file));
      } catch (error) {
        throw toFileError(file, error);
      }
    },
    async readFileIfExists(file) {
      try {
        return await readFile(file);
      } catch (error) {
        if (error instanceof HostFileError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) {
          return undefined;
        }
        throw error;
      }
    },
    async listDir(dir) {
      try {
        return (await fsp.readdir(resolve(dir))).sort();
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw toFileError(dir, error);
      }
    },
    async exists(file) {
      try {
        await fsp.lstat(resolve(file));
        return true;
      } catch {
        return false;
      }
    },
    async readLink(file) {
      try {
        return await fsp.readlink(resolve(file));
      } catch {
        return undefined;
      }
    },
    which,
    stuckCommands: () => stuck.list(),
    async run(argv, opts = {}) {
      const command = argv.join(' ');
      const executable = await which(argv[0]);
      if (!executable) {
        return notFoundResult(command);
      }
      const name = argv[0];
      if (options.abortSignal?.aborted) return stoppingResult(command);
      const before = stuck.blocking(name);
      if (before) return blockedResult(command, before);
      await slots.acquire();
      try {
        // Checked again: an instance may have got stuck while this one waited for a slot.
        if (options.abortSignal?.aborted) return stoppingResult(command);
        const holder = stuck.blocking(name);
        if (holder) return blockedResult(command, holder);
        return await spawnBounded(executable, argv, {
          command,
          timeoutMs: opts.timeoutMs ?? timeoutMs,
          killGraceMs,
          maxOutputBytes,
          pathEnv: searchPath.join(':'),
          sendSignal,
          onStuck: (pid) => stuck.add({ name, command, pid, since: Date.now() }),
          onExit: (pid) => stuck.release(pid),
          ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        });
      } finally {
        slots.release();
      }
    },
  };
}

/**
 * The commands hosts gave up on, by pid. A stuck process leaves when its 'exit' event fires (Node still
 * reaps a child it stopped listening to), or when `alive` says its pid is gone, polled on every lookup.
 */
export class StuckRegistry {
  private readonly entries = new Map<number, StuckCommand>();

  /** `alive` is injectable for tests; the default asks the kernel (signal 0). */
  constructor(private readonly alive: (pid: number) => boolean = isAlive) {}

  add(entry: StuckCommand): void {
    this.entries.set(entry.pid, { ...entry });
  }

  release(pid: number): void {
    this.entries.delete(pid);
  }

  /** The stuck processes still alive, oldest first. */
  list(): StuckCommand[] {
    for (const pid of this.entries.keys()) if (!this.alive(pid)) this.entries.delete(pid);
    return [...this.entries.values()].sort((a, b) => a.since - b.since).map((entry) => ({ ...entry }));
  }

  /** The live stuck instance of an executable, if any: a new one must not start. */
  blocking(name: string): StuckCommand | undefined {
    return this.list().find((entry) => entry.name === name);
  }
}

/** The registry every host uses unless given its own. */
export const sharedStuckRegistry = new StuckRegistry();

/**
 * The daemon's source for xendoctor_stuck_commands: how many commands were left running after SIGKILL and
 * are still alive (one gauge, always present, so an alert can test `> 0`).
 */
export function stuckCommandSamples(registry: StuckRegistry = sharedStuckRegistry): MetricSample[] {
  return [
    {
      name: 'stuck_commands',
      help: 'Commands still alive after timeout, SIGTERM and SIGKILL (e.g. xl blocked in the kernel); no new instance of the same command starts meanwhile',
      labels: {},
      value: registry.list().length,
    },
  ];
}

/** Whether a process exists. Signal 0 tests for it: ESRCH means gone; EPERM means alive but not ours. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

interface SpawnSettings {
  command: string;
  timeoutMs: number;
  killGraceMs: number;
  maxOutputBytes: number;
  pathEnv: string;
  sendSignal: (pid: number, signal: NodeJS.Signals) => void;
  /** Called with the pid when the child is given up on (alive after SIGKILL and a grace). */
  onStuck: (pid: number) => void;
  /** Called with the pid when the child exits, also long after it was given up on. */
  onExit: (pid: number) => void;
  /** Kills the process group and settles at once (see HostOptions.abortSignal). */
  abortSignal?: AbortSignal;
}

// Spawns without a shell and always settles: on timeout SIGTERM, then SIGKILL after a grace, then gives up
// waiting after a second grace (an `xl` in uninterruptible sleep ignores even SIGKILL).
function spawnBounded(
  executable: string,
  argv: readonly string[],
  settings: SpawnSettings,
): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolvePromise) => {
    // A process group of its own, so a timeout kills the command's children too (a shell wrapper's
    // `sleep` would otherwise keep the pipes open after its parent died).
    const child = spawn(executable, argv.slice(1), {
      argv0: argv[0],
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: settings.pathEnv, LC_ALL: 'C', LANG: 'C' },
      detached: true,
    });
    const signalGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        settings.sendSignal(-child.pid, signal);
      } catch {
        try {
          settings.sendSignal(child.pid, signal); // the group is gone already, or never formed
        } catch {
          // the process is gone too
        }
      }
    };
    const abandon = () => {
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
    };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outBytes = 0;
    let timedOut = false;
    let overflow = false;
    let aborted = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const finish = (fields: Partial<CommandResult>) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      settings.abortSignal?.removeEventListener('abort', onAbort);
      const exitCode = fields.exitCode ?? null;
      const result: CommandResult = {
        command: settings.command,
        exitCode,
        signal: fields.signal ?? null,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr:
          Buffer.concat(stderr).toString('utf8') +
          (overflow ? '\n[xendoctor: output limit reached]' : '') +
          (aborted ? '\n[xendoctor: killed, the agent is stopping]' : ''),
        failed:
          exitCode !== 0 ||
          timedOut ||
          overflow ||
          aborted ||
          fields.stuck === true ||
          Boolean(fields.spawnError),
        timedOut,
        notFound: false,
        stuck: fields.stuck ?? false,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      };
      if (fields.spawnError) result.spawnError = fields.spawnError;
      resolvePromise(result);
    };

    let lastOutput = started;
    const collect = (sink: Buffer[]) => (chunk: Buffer) => {
      lastOutput = performance.now();
      outBytes += chunk.length;
      if (outBytes > settings.maxOutputBytes) {
        if (!overflow) {
          overflow = true;
          signalGroup('SIGKILL');
        }
        return;
      }
      sink.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));

    let exited = false;
    const terminate = () => {
      timedOut = true;
      signalGroup('SIGTERM');
      // A stopped process (SIGSTOP, a debugger) would hold SIGTERM pending until continued (as systemd does).
      signalGroup('SIGCONT');
      timers.push(
        setTimeout(() => {
          signalGroup('SIGKILL');
          timers.push(
            setTimeout(() => {
              if (exited) return;
              // Unkillable (uninterruptible sleep): stop listening so the agent is not held hostage, but
              // remember it, so that no second instance piles up behind whatever holds this one.
              abandon();
              if (child.pid !== undefined) settings.onStuck(child.pid);
              finish({ stuck: true });
            }, settings.killGraceMs),
          );
        }, settings.killGraceMs),
      );
    };
    timers.push(setTimeout(terminate, settings.timeoutMs));

    // Stopping: SIGKILL the whole group (no SIGTERM grace: the service manager's own grace is short) and
    // stop waiting, so that the daemon exits now and leaves no child of this command behind.
    function onAbort(): void {
      aborted = true;
      signalGroup('SIGKILL');
      signalGroup('SIGCONT');
      abandon();
      finish({ signal: 'SIGKILL' });
    }
    if (settings.abortSignal?.aborted) onAbort();
    else settings.abortSignal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error) => finish({ spawnError: error.message }));
    child.on('exit', (code, signal) => {
      exited = true;
      if (child.pid !== undefined) settings.onExit(child.pid);
      // Normally 'close' follows at once. If a leftover grandchild holds the pipes, stop waiting after a
      // grace, but only once the pipes have been quiet for that long: after a stalled event loop (a starved
      // dom0) the timer fires before pending output is read, so look again after the poll phase
      // (setImmediate) and wait on while output still arrives, up to the command's own timeout.
      const exitedAt = performance.now();
      const waitForPipes = (): void => {
        timers.push(
          setTimeout(
            () =>
              setImmediate(() => {
                if (settled) return;
                const now = performance.now();
                if (now - lastOutput < settings.killGraceMs && now - exitedAt < settings.timeoutMs) {
                  waitForPipes();
                  return;
                }
                abandon();
                finish({ exitCode: code, signal });
              }),
            settings.killGraceMs,
          ),
        );
      };
      waitForPipes();
    });
    child.on('close', (code, signal) => finish({ exitCode: code, signal }));
  });
}

function blockedResult(command: string, holder: StuckCommand): CommandResult {
  return {
    command,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: `previous ${holder.name} still running (pid ${holder.pid}, stuck since ${new Date(holder.since).toISOString()})`,
    failed: true,
    timedOut: false,
    notFound: false,
    stuck: false,
    blockedBy: { ...holder },
    durationMs: 0,
  };
}

function stoppingResult(command: string): CommandResult {
  return {
    command,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: 'not started: the agent is stopping',
    failed: true,
    timedOut: false,
    notFound: false,
    stuck: false,
    durationMs: 0,
  };
}

function notFoundResult(command: string): CommandResult {
  const name = command.split(' ')[0] ?? command;
  return {
    command,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: `${name} not found`,
    failed: true,
    timedOut: false,
    notFound: true,
    stuck: false,
    durationMs: 0,
  };
}

async function findOnPath(command: string, searchPath: readonly string[]): Promise<string | undefined> {
  if (command.includes('/')) return undefined; // only bare names: the path decides what runs
  for (const dir of searchPath) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      const stat = await fsp.stat(candidate);
      if (!stat.isFile()) continue;
      await fsp.access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

function errnoCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : 'EIO';
}

function toFileError(file: string, error: unknown): HostFileError {
  if (error instanceof HostFileError) return error;
  const code = errnoCode(error);
  const detail = code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
  return new HostFileError(file, code, detail);
}

/** A counting semaphore: bounds concurrent child processes across all probes. */
class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private free: number) {}
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolvePromise) => this.waiting.push(resolvePromise));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
