// Command-line parsing on node:util parseArgs: one table of flags per subcommand configures the parser,
// renders --help and generates the shell completion scripts (src/completion.ts). Errors name the flag.
import { parseArgs as nodeParseArgs } from 'node:util';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** Takes a value (`--root DIR` or `--root=DIR`). */
  value?: boolean;
  /** May be given more than once; values are collected in order. */
  repeat?: boolean;
  /** One-letter alias (`-h`); only these single-dash forms exist (`-root` is an error, not `--root`). */
  short?: string;
  /** Name of the value in --help (`DIR`); default `VALUE`. */
  arg?: string;
  /** One line (or a few) for --help and docs/cli.md. */
  help?: string;
  /** The default, as --help shows it. */
  default?: string;
  /** The environment variable that sets it when the flag is absent. */
  env?: string;
  /** What the shell completes for the value: a fixed list, check ids, remedy ids, files or folders. */
  complete?: readonly string[] | 'checks' | 'remedies' | 'file' | 'dir';
  /** The value of a bare `--name` (`--color` is `--color=always`, as in ls and grep); value flags only. */
  bare?: string;
  /** Accepted for old scripts, not shown in --help. */
  hidden?: boolean;
}

export type FlagTable = Readonly<Record<string, FlagSpec>>;

export interface ParsedArgs {
  positionals: string[];
  flags: Map<string, string[]>;
}

/** Parses argv against a table of long flags; unknown flags and missing values are UsageErrors. */
export function parseArgs(argv: readonly string[], spec: FlagTable): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; multiple: true; short?: string }> = {};
  for (const [name, flag] of Object.entries(spec)) {
    options[name] = { type: flag.value ? 'string' : 'boolean', multiple: true };
    if (flag.short) options[name].short = flag.short;
  }
  let tokens;
  try {
    ({ tokens } = nodeParseArgs({
      args: normalise(argv, spec),
      options,
      strict: true,
      allowPositionals: true,
      tokens: true,
    }));
  } catch (caught) {
    throw usageErrorFrom(caught, argv, spec);
  }
  const positionals: string[] = [];
  const flags = new Map<string, string[]>();
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const flag = spec[token.name] as FlagSpec;
    const value = token.value ?? '';
    // node accepts `--root=` and `--root ''`: an empty value is never what someone meant.
    if (flag.value && value === '') throw new UsageError(`flag --${token.name} needs a value`);
    const seen = flags.get(token.name);
    if (seen && !flag.repeat) throw new UsageError(`flag --${token.name} given twice`);
    flags.set(token.name, [...(seen ?? []), value]);
  }
  return { positionals, flags };
}

// Two spellings node's parser lacks, written out before it runs: `--color` alone is `--color=always` (as in
// ls and grep), and `--timeout -1` passes "-1" on (node calls it ambiguous; the value's own check names it).
function normalise(argv: readonly string[], spec: FlagTable): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const flag = arg.startsWith('--') ? spec[arg.slice(2)] : undefined;
    const next = argv[i + 1];
    if (flag?.value && flag.bare !== undefined) out.push(`${arg}=${flag.bare}`);
    else if (flag?.value && next !== undefined && /^-[^-]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

// node's messages are long and name things its own way; ours keep one shape across subcommands.
function usageErrorFrom(caught: unknown, argv: readonly string[], spec: FlagTable): Error {
  if (!(caught instanceof Error)) return new UsageError(String(caught));
  const code = (caught as NodeJS.ErrnoException).code;
  const quoted = /'(-[^']*)'/.exec(caught.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    // `-root`: node sees -r -o -o -t and names '-r'; show what was typed.
    const typed = argv.find((arg) => quoted !== undefined && arg.startsWith(quoted)) ?? quoted ?? '';
    const shown = typed.split('=')[0] ?? typed;
    const hint = /^-[^-]{2,}/.test(shown) && spec[shown.slice(1)] ? ` (did you mean -${shown}?)` : '';
    return new UsageError(`unknown flag ${shown}${hint}`);
  }
  // "Option '-h, --help' does not take an argument", "Option '--root <value>' argument missing".
  const long = /'(?:-\w, )?--([\w.-]+)/.exec(caught.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && long !== undefined) {
    if (spec[long]?.value) return new UsageError(`flag --${long} needs a value`);
    return new UsageError(`flag --${long} takes no value`);
  }
  return new UsageError(caught.message);
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
