// `--replay DIR`: the agent's own replayer. A capture is data from a stranger (a bug report), so nothing in
// it runs: not its replay.sh, not its commands/ links. A command "exists" when DIR/commands/<name> does
// (any kind of entry), and running it reads DIR/commands/replies/<key>.{stdout,stderr,rc,signal,sleep} with
// the same contract as the shipped replay.sh (src/capture/replay-script.ts), in this process.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { replyKey } from '../capture/replay-script.js';
import type { CommandResult } from './host.js';

/** A reply file larger than this is refused (a capture is bounded by the seam's per-command cap too). */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

export interface ReplaySettings {
  /** The capture folder (the one given to --replay). */
  dir: string;
  timeoutMs: number;
}

/** Whether the capture has a command of that name (a bare name only). */
export async function replayHas(dir: string, name: string): Promise<boolean> {
  if (name.includes('/') || name === '.' || name === '..' || name === '') return false;
  try {
    await fsp.lstat(path.join(dir, 'commands', name));
    return true;
  } catch {
    return false;
  }
}

/** Replays one command from the capture's reply files. Never throws, never spawns. */
export async function replayRun(
  argv: readonly [string, ...string[]],
  settings: ReplaySettings,
): Promise<CommandResult> {
  const started = performance.now();
  const command = argv.join(' ');
  const key = replyKey(argv);
  const replies = path.join(settings.dir, 'commands', 'replies');
  const read = (ext: string) => readReply(path.join(replies, `${key}.${ext}`));
  const base = {
    command,
    stdout: '',
    stderr: '',
    timedOut: false,
    notFound: false,
    stuck: false,
  };
  const done = (fields: Partial<CommandResult>): CommandResult => {
    const result: CommandResult = {
      ...base,
      exitCode: null,
      signal: null,
      failed: true,
      ...fields,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    };
    result.failed = result.exitCode !== 0 || result.timedOut;
    return result;
  };

  const stdout = await read('stdout');
  if (stdout === undefined) {
    // What replay.sh says for an invocation that was never captured.
    return done({ exitCode: 99, stderr: `replay: no capture for: ${key}\n` });
  }
  const sleep = await read('sleep');
  const seconds = sleep === undefined ? 0 : Number(sleep.trim());
  if (Number.isFinite(seconds) && seconds > 0) {
    // A command that hung on the host: it hangs here until the seam's timeout, as the real one would.
    const waitMs = Math.min(seconds * 1000, settings.timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    if (seconds * 1000 >= settings.timeoutMs) {
      return done({ timedOut: true, signal: 'SIGTERM', stdout: '', stderr: '' });
    }
  }
  const stderr = (await read('stderr')) ?? '';
  const signal = (await read('signal'))?.trim();
  if (signal && /^[A-Z0-9]{1,10}$/.test(signal)) {
    return done({ stdout, stderr, signal: `SIG${signal}` as NodeJS.Signals });
  }
  const rc = (await read('rc'))?.trim();
  const exitCode = rc !== undefined && /^\d{1,3}$/.test(rc) ? Number(rc) : 0;
  return done({ stdout, stderr, exitCode });
}

// A reply file as text; undefined when absent. Only regular files (a link in a capture is not followed).
async function readReply(file: string): Promise<string | undefined> {
  try {
    const stat = await fsp.lstat(file);
    if (!stat.isFile() || stat.size > MAX_REPLY_BYTES) return undefined;
    return await fsp.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
