// The subcommands and their flags: the one definition that configures the parser (src/args.ts), renders
// --help (src/help.ts), generates the bash/zsh completion (src/completion.ts) and the table in docs/cli.md.
// Light on purpose: the report path imports it, so nothing here loads serve, fix or capture.
import type { FlagTable } from './args.js';
import { configFlags, DEFAULT_CONFIG_FILE, sharedConfigFlags } from './config.js';
import { hostFlags } from './host-flags.js';

/** Flags every subcommand has. */
export const commonFlags = {
  help: { short: 'h', help: 'this help' },
  version: { short: 'V', help: 'print the version' },
} as const satisfies FlagTable;

export const reportFlags = {
  json: { help: 'print one JSON document instead of text (as --format json)' },
  format: {
    value: true,
    arg: 'FORMAT',
    default: 'text',
    complete: ['text', 'json', 'nagios', 'prometheus'],
    help:
      "text, json, nagios (a plugin's status line, perfdata and details) or prometheus (metrics for " +
      "node_exporter's textfile collector)",
  },
  output: {
    value: true,
    arg: 'FILE',
    complete: 'file',
    help: 'with --format prometheus: write FILE atomically (temp file + rename), not stdout',
  },
  check: {
    value: true,
    repeat: true,
    arg: 'ID',
    complete: 'checks',
    help: 'run only this check; see --list-checks',
  },
  ...sharedConfigFlags,
  'list-checks': { help: 'list check ids and titles (as JSON with --json)' },
  ...hostFlags,
  color: {
    value: true,
    arg: 'WHEN',
    default: 'auto',
    bare: 'always',
    complete: ['auto', 'always', 'never'],
    help: 'colour: auto (a terminal, unless NO_COLOR is set or TERM=dumb; FORCE_COLOR forces it), always, never',
  },
  'no-color': { hidden: true, help: 'as --color=never' },
  width: {
    value: true,
    arg: 'COLUMNS',
    env: 'COLUMNS',
    default: 'the terminal width, 80 when not a terminal',
    help: 'wrap the text report to COLUMNS (0 = do not wrap)',
  },
  ...commonFlags,
} as const satisfies FlagTable;

export const serveFlags = { ...configFlags, ...hostFlags, ...commonFlags } as const satisfies FlagTable;

export const fixFlags = {
  apply: { help: 'apply the plan: edit files (atomically, with a backup) and run the runtime commands' },
  only: {
    value: true,
    repeat: true,
    arg: 'ID',
    complete: 'remedies',
    help: 'only this remedy; ids are shown in the plan',
  },
  json: { help: 'the plan as JSON (for config management); changes nothing' },
  yes: { help: 'do not ask for confirmation (needed when stdin is not a terminal)' },
  undo: {
    help: 'restore the files of the last apply (or of the BACKUP given as argument); runtime commands are not undone',
  },
  ...sharedConfigFlags,
  ...hostFlags,
  ...commonFlags,
} as const satisfies FlagTable;

export const captureFlags = {
  out: {
    value: true,
    arg: 'DIR',
    complete: 'dir',
    help: 'where to write the capture (must not exist, or be empty)',
  },
  redact: {
    help: 'replace host, domain and user names, MACs, UUIDs, serials and credentials with stand-ins (docs/capture.md)',
  },
  ...hostFlags,
  ...commonFlags,
} as const satisfies FlagTable;

export const completionFlags = { ...commonFlags } as const satisfies FlagTable;

export interface Command {
  name: string;
  /** One line for `xendoctor help`. */
  summary: string;
  /** Synopsis lines, without "Usage: ". */
  synopsis: readonly string[];
  /** Paragraphs between the synopsis and the flags. */
  description: string;
  flags: FlagTable;
  /** Paragraphs after the flags (exit codes, notes). */
  footer: string;
  /** Words the shell completes as positional arguments. */
  positionals?: readonly string[];
}

export const EXIT_CODES_REPORT =
  'Exit codes: 0 all ok (advice included) or skipped, 1 a warning, 2 a failure, 3 a check could not ' +
  'complete (UNKNOWN), 64 usage error, 78 bad configuration.';

export const COMMANDS: readonly Command[] = [
  {
    name: 'report',
    summary: 'check this dom0 and print a report (the default command)',
    synopsis: ['xendoctor [report] [options]'],
    description: 'Checks a Xen dom0 for the failures that cost admins days, with evidence and remedies.',
    flags: reportFlags,
    footer: EXIT_CODES_REPORT,
  },
  {
    name: 'serve',
    summary: 'run the checks on a schedule and serve Prometheus metrics',
    synopsis: ['xendoctor serve [options]'],
    description:
      'Runs the checks on a schedule and serves the last results: /metrics (Prometheus), /healthz, ' +
      '/report.json (as xendoctor --json) and / (a page with the current findings). Scrapes never run a ' +
      `command. Settings come from flags, then environment variables, then the config file (${DEFAULT_CONFIG_FILE}; ` +
      'checks.ID.interval and thresholds.NAME are file only).',
    flags: serveFlags,
    footer:
      'SIGTERM/SIGINT stop it (running commands are killed); SIGHUP re-reads --web.config.file.\n' +
      'Exit codes: 0 stopped by SIGTERM/SIGINT, 64 usage error, 69 cannot listen, 78 bad configuration.',
  },
  {
    name: 'fix',
    summary: 'preview (default) or apply remedies, or undo the last apply',
    synopsis: [
      'xendoctor fix [options]                 show the plan; changes nothing',
      'xendoctor fix --apply [--only ID]... [--yes]   apply it',
      'xendoctor fix --undo [BACKUP] [--yes]   undo the last apply',
    ],
    description:
      'xendoctor never reboots: boot-time changes end with the command to run (grub-mkconfig) and ' +
      '"reboot needed". Runtime commands are not undone by --undo; the files are, byte for byte.',
    flags: fixFlags,
    footer:
      'Exit codes: 0 nothing to do / done, 1 plan has changes to apply (or the prompt was declined), 2 ' +
      'something was refused or failed (nothing or not everything applied; see the messages), 3 internal ' +
      'error, 64 usage (including: no terminal and no --yes; run inside the daemon), 78 bad configuration.',
  },
  {
    name: 'capture',
    summary: 'record what the checks read into a replayable folder (bug reports)',
    synopsis: ['xendoctor capture --out DIR [--redact] [host options]'],
    description:
      'Runs every check and records what they read on this host (files, directory listings, and the output ' +
      'and exit code of every command) into DIR, a folder that replays the host: xendoctor --replay DIR. ' +
      'Attach it to a bug report (tar czf capture.tgz -C DIR .).\n\n' +
      "The capture contains this host's real data: host names, MAC addresses, UUIDs, IP addresses, the " +
      'kernel and Xen command lines, process lists. Review it before you share it.',
    flags: captureFlags,
    footer: 'Exit codes: 0 captured, 3 internal error, 64 usage error.',
  },
  {
    name: 'completion',
    summary: 'print the bash or zsh completion script',
    synopsis: ['xendoctor completion bash|zsh'],
    description:
      'Prints a completion script generated from these flag definitions. Packages install it; by hand: ' +
      'xendoctor completion bash > /etc/bash_completion.d/xendoctor',
    flags: completionFlags,
    footer: 'Exit codes: 0 printed, 64 usage error.',
    positionals: ['bash', 'zsh'],
  },
  {
    name: 'help',
    summary: 'this overview, or the help of COMMAND',
    synopsis: ['xendoctor help [COMMAND]'],
    description: 'Prints the help of COMMAND (as xendoctor COMMAND --help), or the list of commands.',
    flags: {},
    footer: 'Exit codes: 0 printed, 64 unknown command.',
  },
];

export function commandNamed(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
