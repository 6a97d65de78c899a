// Host seam settings from flags and environment: --root/XENDOCTOR_ROOT, --path/XENDOCTOR_PATH,
// --timeout/XENDOCTOR_TIMEOUT, and --replay DIR (files under DIR, commands answered from DIR/commands/replies
// by the agent's own replayer: nothing in a capture runs).
import * as path from 'node:path';
import { type ParsedArgs, secondsToMs, UsageError } from '../args.js';
import type { HostOptions } from './host.js';

export const hostFlags = {
  root: { value: true },
  path: { value: true },
  replay: { value: true },
  timeout: { value: true },
} as const;

export function hostOptionsFrom(args: ParsedArgs, env: NodeJS.ProcessEnv): HostOptions {
  const flag = (name: string) => args.flags.get(name)?.[0];
  const replay = flag('replay');
  if (replay && (flag('root') || flag('path'))) {
    throw new UsageError('flag --replay cannot be combined with --root or --path');
  }
  const options: HostOptions = {};
  const root = replay ?? flag('root') ?? env.XENDOCTOR_ROOT;
  if (root) options.root = path.resolve(root);
  if (replay) options.replay = path.resolve(replay);
  const searchPath = replay ? undefined : (flag('path') ?? env.XENDOCTOR_PATH);
  if (searchPath) options.path = searchPath.split(':').map((dir) => path.resolve(dir));
  const timeout = flag('timeout') ?? env.XENDOCTOR_TIMEOUT;
  if (timeout !== undefined) {
    options.timeoutMs = secondsToMs(
      flag('timeout') !== undefined ? '--timeout' : 'XENDOCTOR_TIMEOUT',
      timeout,
    );
  }
  return options;
}
