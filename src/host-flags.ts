// Host seam settings from flags and environment: --root/XENDOCTOR_ROOT, --path/XENDOCTOR_PATH,
// --timeout/XENDOCTOR_TIMEOUT, and --replay DIR (files under DIR, commands answered from DIR/commands/replies
// by the agent's own replayer: nothing in a capture runs).
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { type FlagTable, type ParsedArgs, secondsToMs, UsageError } from './args.js';
import type { HostOptions } from './host/host.js';

/**
 * The longest per-command timeout: an hour is far beyond any command the checks run, and far below what
 * Node's timers hold (2^31-1 ms, ~24.8 days; a longer delay silently becomes 1 ms).
 */
export const MAX_COMMAND_TIMEOUT_SECONDS = 3600;
/** The shortest: below it a timer rounds to nothing and every command "times out". */
export const MIN_COMMAND_TIMEOUT_SECONDS = 0.1;

/**
 * Why a --root/--replay folder cannot be used (one rule for the report, fix, capture and serve), or
 * undefined when it is an existing directory. `where` names the flag, variable or file key.
 */
export function rootProblem(where: string, root: string): string | undefined {
  try {
    return statSync(root).isDirectory() ? undefined : `${where} ${root} is not a directory`;
  } catch {
    return `${where} ${root} does not exist`;
  }
}

export const hostFlags = {
  root: {
    value: true,
    arg: 'DIR',
    env: 'XENDOCTOR_ROOT',
    default: '/',
    complete: 'dir',
    help: 'read host files under DIR instead of /',
  },
  path: {
    value: true,
    arg: 'DIRS',
    env: 'XENDOCTOR_PATH',
    default: '$PATH',
    complete: 'dir',
    help: 'look for commands in DIRS (colon-separated)',
  },
  replay: {
    value: true,
    arg: 'DIR',
    complete: 'dir',
    help: "replay a captured host (its files; its commands answered by xendoctor's own replayer)",
  },
  timeout: {
    value: true,
    arg: 'SECONDS',
    env: 'XENDOCTOR_TIMEOUT',
    default: '10',
    help: `per-command timeout, ${MIN_COMMAND_TIMEOUT_SECONDS}-${MAX_COMMAND_TIMEOUT_SECONDS}`,
  },
} as const satisfies FlagTable;

export function hostOptionsFrom(args: ParsedArgs, env: NodeJS.ProcessEnv): HostOptions {
  const flag = (name: string) => args.flags.get(name)?.[0];
  const replay = flag('replay');
  if (replay && (flag('root') || flag('path'))) {
    throw new UsageError('flag --replay cannot be combined with --root or --path');
  }
  const options: HostOptions = {};
  const root = replay ?? flag('root') ?? env.XENDOCTOR_ROOT;
  if (root) {
    options.root = path.resolve(root);
    const where = replay ? '--replay' : flag('root') ? '--root' : 'XENDOCTOR_ROOT';
    const problem = rootProblem(where, options.root);
    if (problem) throw new UsageError(problem);
  }
  if (replay) options.replay = path.resolve(replay);
  const searchPath = replay ? undefined : (flag('path') ?? env.XENDOCTOR_PATH);
  if (searchPath) options.path = searchPath.split(':').map((dir) => path.resolve(dir));
  const timeout = flag('timeout') ?? env.XENDOCTOR_TIMEOUT;
  if (timeout !== undefined) {
    options.timeoutMs = secondsToMs(
      flag('timeout') !== undefined ? '--timeout' : 'XENDOCTOR_TIMEOUT',
      timeout,
      MIN_COMMAND_TIMEOUT_SECONDS,
      MAX_COMMAND_TIMEOUT_SECONDS,
    );
  }
  return options;
}
