// Command-line parsing without a dependency: a handful of flags, strict, with errors that name the flag.

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** Takes a value (`--root DIR` or `--root=DIR`). */
  value?: boolean;
  /** May be given more than once; values are collected in order. */
  repeat?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string[]>;
}

/** Parses argv against a table of long flags; unknown flags and missing values are UsageErrors. */
export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq === -1 ? arg : arg.slice(0, eq)).replace(/^--?/, '');
    const flag = spec[name];
    if (!flag) throw new UsageError(`unknown flag ${eq === -1 ? arg : arg.slice(0, eq)}`);
    let value = '';
    if (flag.value) {
      if (eq !== -1) value = arg.slice(eq + 1);
      else {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw new UsageError(`flag --${name} needs a value`);
        }
        value = next;
        i++;
      }
      if (value === '') throw new UsageError(`flag --${name} needs a value`);
    } else if (eq !== -1) {
      throw new UsageError(`flag --${name} takes no value`);
    }
    const seen = flags.get(name);
    if (seen && !flag.repeat) throw new UsageError(`flag --${name} given twice`);
    flags.set(name, [...(seen ?? []), value]);
  }
  return { positionals, flags };
}

/** A number of seconds in [min, max] from a flag or environment value, as milliseconds. */
export function secondsToMs(name: string, text: string, min: number, max: number): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < min || seconds > max || text.trim() === '') {
    throw new UsageError(
      `${name} must be a number of seconds from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return Math.round(seconds * 1000);
}
