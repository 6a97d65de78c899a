// The command line. Only the report path is loaded eagerly; serve/fix/capture are imported when asked for,
// so a one-shot report starts almost as fast as node itself.
import { parseArgs, UsageError } from './args.js';
import { ConfigError, EXIT_CONFIG, enabledProbes, loadConfig, sharedConfigFlags } from './config.js';
import { createHost } from './host/host.js';
import { hostFlags, hostOptionsFrom } from './host-flags.js';
import { probes, selectProbes } from './probes/index.js';
import { runReport } from './report/run.js';
import { renderText } from './report/text.js';
import { VERSION } from './version.js';

export const EXIT_USAGE = 64;

const usage = `Usage: xendoctor [report] [options]
       xendoctor serve [options]      run the probes on a schedule and serve Prometheus metrics
       xendoctor fix [--apply] ...    preview (default) or apply remedies; see xendoctor fix --help
       xendoctor capture --out DIR    record what the checks read into a replayable folder (bug reports)

Checks a Xen dom0 for the failures that cost admins days, with evidence and remedies.

Options:
  --json                 print one JSON document instead of text
  --format FORMAT        text (default), json, nagios (a plugin's status line, perfdata and details) or
                         prometheus (metrics for node_exporter's textfile collector)
  --output FILE          with --format prometheus: write FILE atomically (temp file + rename), not stdout
  --check ID             run only this check (repeatable); see --list-checks
  --disable-check ID     do not run this check (repeatable); --enable-check ID undoes the config file's
  --strict               advice counts as warn (the guides' tunings enforced); config key "strict"
  --config FILE          settings shared with serve and fix (default /etc/xendoctor/config.json, if present;
                         env XENDOCTOR_CONFIG); see docs/configuration.md
  --list-checks          list check ids and titles
  --root DIR             read host files under DIR instead of / (env XENDOCTOR_ROOT)
  --path DIRS            look for commands in DIRS (colon-separated) instead of $PATH (env XENDOCTOR_PATH)
  --replay DIR           replay a captured host (its files; its commands answered by xendoctor's own replayer)
  --timeout SECONDS      per-command timeout, 0.1-3600, default 10 (env XENDOCTOR_TIMEOUT)
  --color, --no-color    force colour on or off (default: on for a terminal, off with NO_COLOR)
  -h, --help             this help
  --version              print the version

Exit codes: 0 all ok (advice included) or skipped, 1 a warning, 2 a failure, 3 a check could not complete
(UNKNOWN), 64 usage error, 78 bad configuration.
`;

const reportFlags = {
  ...hostFlags,
  ...sharedConfigFlags,
  json: {},
  format: { value: true },
  output: { value: true },
  check: { value: true, repeat: true },
  'list-checks': {},
  color: {},
  'no-color': {},
  help: {},
  h: {},
  version: {},
} as const;

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  const command = first && !first.startsWith('-') ? first : 'report';
  const commandArgs = command === first ? rest : argv;
  switch (command) {
    case 'report':
      return report(commandArgs);
    case 'serve':
      return (await import('./exporter/serve-command.js')).serveCommand(commandArgs);
    case 'fix':
      return (await import('./fix/fix-command.js')).fixCommand(commandArgs);
    case 'capture':
      return (await import('./capture/capture-command.js')).captureCommand(commandArgs);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; try --help`);
  }
}

async function report(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, reportFlags);
  const has = (name: string) => args.flags.has(name);
  if (args.positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  if (has('help') || has('h')) {
    process.stdout.write(usage);
    return 0;
  }
  if (has('version')) {
    process.stdout.write(`xendoctor ${VERSION}\n`);
    return 0;
  }
  if (has('list-checks')) {
    const width = Math.max(...probes.map((p) => p.id.length));
    for (const probe of probes) process.stdout.write(`${probe.id.padEnd(width)}  ${probe.title}\n`);
    return 0;
  }
  const format = args.flags.get('format')?.[0] ?? (has('json') ? 'json' : 'text');
  if (format !== 'text' && format !== 'json' && format !== 'prometheus' && format !== 'nagios') {
    throw new UsageError(
      `flag --format must be text, json, nagios or prometheus, got ${JSON.stringify(format)}`,
    );
  }
  const output = args.flags.get('output')?.[0];
  if (output !== undefined && format !== 'prometheus') {
    throw new UsageError('flag --output needs --format prometheus');
  }
  if (has('color') && has('no-color'))
    throw new UsageError('flags --color and --no-color contradict each other');
  // Flags and variables of the host seam are usage errors (64) before the config file is read.
  hostOptionsFrom(args, process.env);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(
      args,
      process.env,
      probes.map((p) => p.id),
    );
  } catch (caught) {
    if (!(caught instanceof ConfigError)) throw caught;
    process.stderr.write(`xendoctor: bad configuration: ${caught.message}\n`);
    return EXIT_CONFIG;
  }
  const selected = enabledProbes(selectProbes(args.flags.get('check') ?? []), config.checks);
  const hostOptions = config.host;

  const { document, results } = await runReport(createHost(hostOptions), selected, config.settings);
  if (format === 'prometheus') {
    // Loaded only here: the text and JSON report never load the exporter.
    const { renderOnce, writeAtomically } = await import('./exporter/textfile.js');
    const text = await renderOnce(results);
    if (output === undefined) process.stdout.write(text);
    else await writeAtomically(output, text);
  } else if (format === 'nagios') {
    const { renderNagios } = await import('./report/nagios.js');
    process.stdout.write(renderNagios(document, results, config.settings));
  } else if (format === 'json') {
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    const colour =
      has('color') || (!has('no-color') && process.stdout.isTTY === true && !process.env.NO_COLOR);
    process.stdout.write(renderText(document, { colour }));
  }
  return document.exitCode;
}
