// The only door to the machine. Every file xendoctor reads is resolved under `root`, every command is
// looked up in `path` and run without a shell, with LC_ALL=C and a timeout. A whole host can therefore be
// replayed from a folder: files under the folder, fake commands first on the path (see test/fixtures/hosts).
import { spawn } from 'node:child_process';
import { close, constants, promises as fsp, lstat, open, read, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { replayHas, replayRun } from './replay.js';

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
  /** The command is not on the path: callers say so (error on a dom0, skip where it does not apply). */
  notFound: boolean;
  /** With notFound: the directories searched, joined by ':' ("/usr/bin:/bin"). */
  searchedPath?: string;
  /** With notFound: a standard directory outside the search path that holds the command ("/usr/sbin"). */
  foundElsewhere?: string;
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
  /**
   * The command itself exited but left processes in its group (pid is the group id) that outlived
   * SIGKILL: the entry lives while any of them does.
   */
  group?: boolean;
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
   * Opens a file under the root for reading as it grows (serve's /dev/kmsg follower), non-blocking: a read
   * with nothing new fails with EAGAIN instead of holding a thread. Optional like stuckCommands.
   */
  openStream?(file: string): Promise<fsp.FileHandle>;
  /**
   * Commands left running after SIGKILL that are still alive, oldest first (optional so that decorators
   * such as the capture's recording host stay valid; createHost always has it).
   */
  stuckCommands?(): StuckCommand[];
}

export interface HostOptions {
  /** Folder that stands for "/". Default "/". */
  root?: string;
  /** Directories searched for commands, in order. Default: $PATH plus /usr/local/sbin:/usr/sbin:/sbin. */
  path?: readonly string[];
  /**
   * Refuse (EXDEV) a read or listing whose path leads, through a link, out of `root` (`capture --root`:
   * a capture must hold the tree, never this machine's files). Off by default: the test fixture hosts
   * share one kernel config through a link out of each host's folder.
   */
  confineToRoot?: boolean;
  /**
   * A capture folder (`--replay DIR`): commands are answered from DIR/commands/replies by the agent's own
   * replayer (src/host/replay.ts), never by running anything in the capture; `path` is then unused.
   */
  replay?: string;
  /** Default command timeout. Default 10 s. */
  timeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL, and after SIGKILL before a child is declared stuck. */
  killGraceMs?: number;
  /** At most this many child processes at once (a pool of 4-6 is fastest on small hosts). */
  maxConcurrent?: number;
  /** At most this many file reads at once (default MAX_CONCURRENT_READS). */
  maxConcurrentReads?: number;
  /** Output beyond this many bytes per stream kills the command (garbage must not eat dom0's memory). */
  maxOutputBytes?: number;
  /**
   * All commands of this host together (one host per report run or daemon cycle) may print this many bytes;
   * a command that goes beyond is killed like one over maxOutputBytes. Default 32 MiB: the unit's
   * MemoryMax is 256 MiB, and 16 MiB per command x many commands was not a bound.
   */
  maxRunOutputBytes?: number;
  /** A file read larger than this fails with EFBIG (a link to /dev/zero must not eat memory). Default 4 MiB. */
  maxFileBytes?: number;
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
/** The read cap: far above any file a probe reads (/proc/cpuinfo of 512 CPUs is ~1 MiB). */
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024;
/**
 * Reads in flight at once. libuv runs file I/O on 4 threads, so more only wait in its queue, each holding
 * a buffer, a request and a suspended async function long enough to reach V8's old generation: a daemon
 * cycle asks for every sysfs counter together (docs/performance.md has the heap it cost).
 */
export const MAX_CONCURRENT_READS = 16;
/** The cap on all command output of one run (see HostOptions.maxRunOutputBytes). */
export const DEFAULT_MAX_RUN_OUTPUT_BYTES = 32 * 1024 * 1024;

/** An absolute path without empty, "." or ".." segments and no trailing slash: path.join leaves it as is. */
const NORMAL_PATH = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;

/**
 * Where a host path ("/proc/xen/capabilities") is under `root` (absolute, normalized): normalized against
 * "/" first, so ".." cannot climb out. A path already in normal form skips path.join, which rebuilds it
 * segment by segment: the daemon resolves ~1,400 sysfs counters a cycle at 64 domains (docs/performance.md).
 */
export function underRoot(root: string, file: string): string {
  const joined = NORMAL_PATH.test(file)
    ? root === '/'
      ? file
      : root + file
    : path.join(root, path.posix.normalize(`/${file}`));
  if (joined !== root && !joined.startsWith(root === '/' ? '/' : `${root}/`)) {
    throw new HostFileError(file, 'EINVAL', 'path escapes the root');
  }
  return joined;
}

/** Creates the host seam. Cheap: nothing is touched until a probe asks. */
export function createHost(options: HostOptions = {}): Host {
  const root = path.resolve(options.root ?? '/');
  const searchPath = options.path ?? defaultSearchPath(process.env.PATH);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const killGraceMs = options.killGraceMs ?? 1000;
  const maxOutputBytes = options.maxOutputBytes ?? 16 * 1024 * 1024;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // Shared by every command this host runs: what the run has collected so far.
  const runOutput = { used: 0, max: options.maxRunOutputBytes ?? DEFAULT_MAX_RUN_OUTPUT_BYTES };
  const slots = new Semaphore(options.maxConcurrent ?? 4);
  const readSlots = new Semaphore(options.maxConcurrentReads ?? MAX_CONCURRENT_READS);
  const stuck = options.stuckRegistry ?? sharedStuckRegistry;
  const sendSignal =
    options.sendSignal ?? ((pid: number, signal: NodeJS.Signals) => process.kill(pid, signal));
  const whichCache = new Map<string, Promise<string | undefined>>();

  const resolve = (file: string): string => underRoot(root, file);

  // With confineToRoot, a link (absolute, or with enough "..") must not lead out of the tree: capture would
  // copy this machine's files as the tree's. On "/" there is no outside.
  let realRoot: Promise<string> | undefined;
  const inside = async (file: string, resolved: string): Promise<string> => {
    if (root === '/' || options.confineToRoot !== true) return resolved;
    realRoot ??= fsp.realpath(root);
    const [real, top] = await Promise.all([fsp.realpath(resolved), realRoot]);
    if (real !== top && !real.startsWith(top === '/' ? '/' : `${top}/`)) {
      throw new HostFileError(file, 'EXDEV', `leads (through a link) out of the root ${root}`);
    }
    return real;
  };
  const readBytes = async (file: string): Promise<Buffer> => {
    await readSlots.acquire();
    try {
      return await readCapped(await inside(file, resolve(file)), file, maxFileBytes);
    } catch (error) {
      throw toFileError(file, error);
    } finally {
      readSlots.release();
    }
  };
  const readFile = async (file: string): Promise<string> => (await readBytes(file)).toString('utf8');

  const replayDir = options.replay === undefined ? undefined : path.resolve(options.replay);
  const which = (command: string): Promise<string | undefined> => {
    if (replayDir !== undefined) {
      return replayHas(replayDir, command).then((has) =>
        has ? path.join(replayDir, 'commands', command) : undefined,
      );
    }
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
    readFileBytes: readBytes,
    async openStream(file) {
      try {
        // O_NONBLOCK matters for /dev/kmsg only; a regular file standing for it ignores the flag.
        return await fsp.open(await inside(file, resolve(file)), constants.O_RDONLY | constants.O_NONBLOCK);
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
        return (await fsp.readdir(await inside(dir, resolve(dir)))).sort();
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw toFileError(dir, error);
      }
    },
    // fs.lstat's callback, not fs.promises': a missing path is the common answer (a bridge is a device
    // with a bridge/ entry), and the promise API's error costs more than twice as much to build.
    exists: (file) =>
      new Promise((answer) => {
        let resolved: string;
        try {
          resolved = resolve(file);
        } catch {
          answer(false);
          return;
        }
        lstat(resolved, (failed) => answer(failed === null));
      }),
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
      if (replayDir !== undefined) {
        if (!(await replayHas(replayDir, argv[0])))
          return notFoundResult(command, path.join(replayDir, 'commands'));
        return replayRun(argv, { dir: replayDir, timeoutMs: opts.timeoutMs ?? timeoutMs });
      }
      const executable = await which(argv[0]);
      if (!executable) {
        // A hint only on the real machine: a replayed host's commands are not in the runner's /usr/sbin.
        const elsewhere =
          root === '/'
            ? await findDirOf(
                argv[0],
                SBIN_DIRS.filter((d) => !searchPath.includes(d)),
              )
            : undefined;
        return notFoundResult(command, searchPath.join(':'), elsewhere);
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
          runOutput,
          pathEnv: searchPath.join(':'),
          sendSignal,
          onStuck: (pid, group) =>
            stuck.add({ name, command, pid, since: Date.now(), ...(group ? { group } : {}) }),
          groupMembers,
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

  /** `alive` and `groupAlive` are injectable for tests; the defaults ask the kernel. */
  constructor(
    private readonly alive: (pid: number) => boolean = isAlive,
    private readonly groupAlive: (pgid: number) => boolean = (pgid) => groupMembers(pgid).length > 0,
  ) {}

  add(entry: StuckCommand): void {
    this.entries.set(entry.pid, { ...entry });
  }

  release(pid: number): void {
    this.entries.delete(pid);
  }

  /** The stuck processes still alive, oldest first. */
  list(): StuckCommand[] {
    for (const [pid, entry] of this.entries) {
      if (!(entry.group ? this.groupAlive(pid) : this.alive(pid))) this.entries.delete(pid);
    }
    return [...this.entries.values()].sort((a, b) => a.since - b.since).map((entry) => ({ ...entry }));
  }

  /** The live stuck instance of an executable, if any: a new one must not start. */
  blocking(name: string): StuckCommand | undefined {
    return this.list().find((entry) => entry.name === name);
  }
}

/** The registry every host uses unless given its own. */
export const sharedStuckRegistry = new StuckRegistry();

/** Whether a process exists. Signal 0 tests for it: ESRCH means gone; EPERM means alive but not ours. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM';
  }
}

/**
 * Live processes of a process group (zombies do not count: they are dead, waiting for a parent to reap
 * them). Reads /proc/<pid>/stat ("pid (comm) state ppid pgrp ..."); without /proc, asks the kernel
 * whether anything in the group answers signal 0 and returns [pgid] if so.
 */
export function groupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch (error) {
      return errnoCode(error) === 'EPERM' ? [pgid] : [];
    }
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // comm may hold spaces and parentheses: the fields after it start at the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && fields[2] === String(pgid)) members.push(Number(entry));
  }
  return members;
}

interface SpawnSettings {
  command: string;
  timeoutMs: number;
  killGraceMs: number;
  maxOutputBytes: number;
  /** The run's output so far and its cap, shared by all commands of one host. */
  runOutput: { used: number; max: number };
  pathEnv: string;
  sendSignal: (pid: number, signal: NodeJS.Signals) => void;
  /**
   * Called with the pid when the child is given up on (alive after SIGKILL and a grace); `group` when the
   * child exited and what survives is the rest of its process group.
   */
  onStuck: (pid: number, group?: boolean) => void;
  /** Live processes of a group; groupMembers unless a test replaces it. */
  groupMembers: (pgid: number) => number[];
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
    let overflow: false | 'command' | 'run' = false;
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
          (overflow === 'command'
            ? '\n[xendoctor: output limit reached]'
            : overflow === 'run'
              ? `\n[xendoctor: output limit of this run reached (${settings.runOutput.max} bytes from all commands)]`
              : '') +
          (aborted ? '\n[xendoctor: killed, the agent is stopping]' : ''),
        failed:
          exitCode !== 0 ||
          timedOut ||
          overflow !== false ||
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
      if (overflow) return;
      if (outBytes > settings.maxOutputBytes) {
        overflow = 'command';
        signalGroup('SIGKILL');
        return;
      }
      if (settings.runOutput.used + chunk.length > settings.runOutput.max) {
        overflow = 'run';
        signalGroup('SIGKILL');
        return;
      }
      settings.runOutput.used += chunk.length;
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
                // The command is done but something it started holds its pipes (`sleep 3011 &`): stop
                // waiting, and end the whole group rather than leave it running.
                killLeftovers(code, signal);
                abandon();
              }),
            settings.killGraceMs,
          ),
        );
      };
      waitForPipes();
    });
    // SIGKILL to the exited command's group, then watch for survivors for one grace: a process still
    // there after it (blocked in the kernel) is counted as stuck, like an unkillable command.
    let killingLeftovers = false;
    const killLeftovers = (code: number | null, signal: NodeJS.Signals | null): void => {
      killingLeftovers = true;
      const pgid = child.pid;
      if (pgid === undefined) return finish({ exitCode: code, signal });
      try {
        settings.sendSignal(-pgid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      const killedAt = performance.now();
      const look = (): void => {
        if (settings.groupMembers(pgid).length === 0) return finish({ exitCode: code, signal });
        if (performance.now() - killedAt >= settings.killGraceMs) {
          settings.onStuck(pgid, true);
          return finish({ exitCode: code, signal }); // its own output is complete and valid
        }
        timers.push(setTimeout(look, Math.max(1, settings.killGraceMs / 20)));
      };
      look();
    };
    // Destroying the pipes to stop waiting on leftovers fires 'close' too: killLeftovers settles then.
    child.on('close', (code, signal) => {
      if (!killingLeftovers) finish({ exitCode: code, signal });
    });
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

/**
 * Where xl, xen-diag and ethtool live on Debian and Alpine: cron and many service managers run with
 * PATH=/usr/bin:/bin, which would hide them, so they are searched after $PATH.
 */
export const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** $PATH, then the sbin directories it lacks. */
export function defaultSearchPath(envPath: string | undefined): string[] {
  const dirs = (envPath ?? '/usr/bin:/bin').split(':').filter((dir) => dir !== '');
  return [...dirs, ...SBIN_DIRS.filter((dir) => !dirs.includes(dir))];
}

async function findDirOf(command: string, dirs: readonly string[]): Promise<string | undefined> {
  const found = await findOnPath(command, dirs);
  return found === undefined ? undefined : path.dirname(found);
}

function notFoundResult(command: string, searchedPath: string, foundElsewhere?: string): CommandResult {
  const name = command.split(' ')[0] ?? command;
  return {
    command,
    searchedPath,
    ...(foundElsewhere === undefined ? {} : { foundElsewhere }),
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

/**
 * Reads at most `max` bytes of a file, failing with EFBIG beyond. /proc and /sys files say size 0, so the
 * bytes are counted as read, not taken from stat. O_NONBLOCK: a FIFO planted under the root must not hang
 * the open (with no writer it reads as empty). fs callbacks, not fs.promises: the daemon reads ~1,400
 * sysfs counters per cycle at 64 domains, and a FileHandle and a promise per step were most of its garbage.
 */
function readCapped(resolved: string, file: string, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    open(resolved, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY, (openError, fd) => {
      if (openError) {
        reject(openError);
        return;
      }
      const finish = (failure: unknown, bytes?: Buffer) =>
        close(fd, () => (failure === undefined ? resolve(bytes!) : reject(failure)));
      // Most reads are one sysfs or /proc line: start small (from Node's buffer pool) and double. A 64 KiB
      // chunk per read, and another for the read that finds EOF, grew the daemon's RSS without bound at
      // 64 domains (docs/performance.md).
      let buffer = Buffer.allocUnsafe(Math.min(FIRST_READ_BYTES, max + 1));
      let total = 0;
      const readMore = (): void => {
        if (total === buffer.length) {
          const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, max + 1));
          buffer.copy(grown, 0, 0, total);
          buffer = grown;
        }
        read(fd, buffer, total, buffer.length - total, null, (readError, bytesRead) => {
          if (readError) finish(readError);
          else if (bytesRead === 0) finish(undefined, buffer.subarray(0, total));
          else if ((total += bytesRead) > max) {
            finish(new HostFileError(file, 'EFBIG', `larger than the read limit of ${max} bytes`));
          } else readMore();
        });
      };
      readMore();
    });
  });
}

/** The first read's buffer: below half of Buffer.poolSize, so it comes from the pool. */
const FIRST_READ_BYTES = 1024;

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

/** A counting semaphore: bounds concurrent child processes (and file reads) across all probes. */
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
