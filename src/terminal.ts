// What the terminal wants: colour (--color, FORCE_COLOR, NO_COLOR, TERM=dumb, a TTY) and the width to wrap
// to (--width, COLUMNS, the TTY's columns, else 80). Pure: the caller passes the environment and the stream.
import { UsageError } from './args.js';

export type ColorWhen = 'auto' | 'always' | 'never';

/** --color's value (--no-color is --color=never). */
export function colorWhen(values: readonly string[] | undefined, noColor: boolean): ColorWhen {
  const value = values?.[0];
  if (value !== undefined && noColor)
    throw new UsageError('flags --color and --no-color contradict each other');
  if (noColor) return 'never';
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'always' || value === 'never') return value;
  throw new UsageError(`flag --color must be auto, always or never, got ${JSON.stringify(value)}`);
}

/**
 * Colour or not, in the order Node.js itself uses (tty.getColorDepth): the flag, then FORCE_COLOR (any
 * value but 0/false forces it), then NO_COLOR (no-color.org: set and not empty), then TERM=dumb, then
 * whether stdout is a terminal.
 */
export function useColour(when: ColorWhen, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (when !== 'auto') return when === 'always';
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/** Columns to wrap to: --width, else COLUMNS, else the terminal's, else 80; 0 means no wrapping. */
export function outputWidth(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  stream: { isTTY?: boolean; columns?: number },
): number {
  if (flag !== undefined) {
    if (!/^\d{1,4}$/.test(flag)) {
      throw new UsageError(
        `flag --width must be a number of columns (0 = no wrapping), got ${JSON.stringify(flag)}`,
      );
    }
    return Number(flag);
  }
  // A bad COLUMNS (exported by a shell script, say) is ignored rather than fatal: it is not our flag.
  const columns = env.COLUMNS !== undefined && /^\d{1,4}$/.test(env.COLUMNS) ? Number(env.COLUMNS) : 0;
  if (columns > 0) return columns;
  if (stream.isTTY === true && stream.columns !== undefined && stream.columns > 0) return stream.columns;
  return 80;
}
