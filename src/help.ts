// --help and `xendoctor help [COMMAND]`, rendered from the flag definitions in src/commands.ts.
import type { FlagSpec, FlagTable } from './args.js';
import { type Command, COMMANDS } from './commands.js';
import { wrap } from './report/wrap.js';
import { outputWidth } from './terminal.js';
import { VERSION } from './version.js';

const FLAG_COLUMN = 28;

/** `--root DIR` / `-h, --help`, as the flag is typed. */
export function flagSynopsis(name: string, flag: FlagSpec): string {
  const long = flag.value
    ? flag.bare !== undefined
      ? `--${name}[=${flag.arg ?? 'VALUE'}]`
      : `--${name} ${flag.arg ?? 'VALUE'}`
    : `--${name}`;
  return flag.short ? `-${flag.short}, ${long}` : long;
}

/** The help text of a flag with its default, environment variable and repeatability. */
export function flagDescription(flag: FlagSpec): string {
  const notes = [
    flag.repeat ? 'repeatable' : undefined,
    flag.default !== undefined ? `default ${flag.default}` : undefined,
    flag.env ? `env ${flag.env}` : undefined,
  ].filter(Boolean);
  return `${flag.help ?? ''}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`.trim();
}

/** The options block: one flag per entry, descriptions wrapped in a column. */
export function renderFlags(flags: FlagTable, width = 80): string[] {
  const out: string[] = [];
  for (const [name, flag] of Object.entries(flags)) {
    if (flag.hidden) continue;
    const synopsis = `  ${flagSynopsis(name, flag)}`;
    const body = wrap(flagDescription(flag), Math.max(20, width - FLAG_COLUMN));
    if (synopsis.length + 2 > FLAG_COLUMN) {
      out.push(synopsis);
      out.push(...body.map((line) => `${' '.repeat(FLAG_COLUMN)}${line}`));
    } else {
      out.push(
        ...body.map(
          (line, i) => `${i === 0 ? synopsis.padEnd(FLAG_COLUMN) : ' '.repeat(FLAG_COLUMN)}${line}`,
        ),
      );
    }
  }
  return out;
}

/** The --help of one command. */
export function renderHelp(command: Command, width = 80): string {
  const out = command.synopsis.map((line, i) => `${i === 0 ? 'Usage: ' : '       '}${line}`);
  for (const paragraph of command.description.split('\n\n')) out.push('', ...wrap(paragraph, width));
  if (Object.keys(command.flags).length > 0) out.push('', 'Options:', ...renderFlags(command.flags, width));
  for (const paragraph of command.footer.split('\n')) out.push('', ...wrap(paragraph, width));
  return `${out.join('\n')}\n`;
}

/** `xendoctor help`: the commands, then the report's own help (the default command). */
export function renderOverview(width = 80): string {
  const out = ['Usage: xendoctor [COMMAND] [options]', '', 'Commands:'];
  for (const command of COMMANDS) out.push(`  ${command.name.padEnd(12)}${command.summary}`);
  out.push('', 'xendoctor help COMMAND (or xendoctor COMMAND --help) shows the flags of COMMAND.', '');
  const report = COMMANDS[0] as Command;
  return `${out.join('\n')}\n${renderHelp(report, width)}`;
}

/** --help and --version (-h, -V) of any command; true when one was printed. */
export function helpOrVersion(
  flags: Map<string, string[]>,
  command: Command,
  write: (text: string) => void = (text) => process.stdout.write(text),
): boolean {
  if (flags.has('help')) {
    write(renderHelp(command, outputWidth(undefined, process.env, process.stdout)));
    return true;
  }
  if (flags.has('version')) {
    write(`xendoctor ${VERSION}\n`);
    return true;
  }
  return false;
}
