// The command line. Only the report path is loaded eagerly; serve/fix/capture are imported when asked for,
// so a one-shot report starts almost as fast as node itself.
import { parseArgs, UsageError } from './args.js';
import { type Command, commandNamed, reportFlags } from './commands.js';
import { EXIT_CONFIG, enabledProbes, loadConfigOrSay } from './config.js';
import { helpOrVersion, renderHelp, renderOverview } from './help.js';
import { createHost } from './host/host.js';
import { probes, selectProbes } from './probes/index.js';
import { runReport } from './report/run.js';
import { renderText } from './report/text.js';
import { colorWhen, outputWidth, useColour } from './terminal.js';

export const EXIT_USAGE = 64;

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  const command = first && !first.startsWith('-') ? first : 'report';
  const commandArgs = command === first ? rest : argv;
  switch (command) {
    case 'report':
      // `xendoctor --help` (no command named) shows the commands too.
      return report(commandArgs, command !== first);
    case 'serve':
      return (await import('./exporter/serve-command.js')).serveCommand(commandArgs);
    case 'fix':
      return (await import('./fix/fix-command.js')).fixCommand(commandArgs);
    case 'capture':
      return (await import('./capture/capture-command.js')).captureCommand(commandArgs);
    case 'completion':
      return (await import('./completion.js')).completionCommand(commandArgs);
    case 'help':
      return help(commandArgs);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; try --help`);
  }
}

async function report(argv: readonly string[], overview: boolean): Promise<number> {
  const args = parseArgs(argv, reportFlags);
  const has = (name: string) => args.flags.has(name);
  if (args.positionals.length > 0)
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  if (overview && args.flags.has('help')) {
    process.stdout.write(renderOverview(outputWidth(undefined, process.env, process.stdout)));
    return 0;
  }
  if (helpOrVersion(args.flags, commandNamed('report') as Command)) return 0;
  const width = outputWidth(args.flags.get('width')?.[0], process.env, process.stdout);
  const when = colorWhen(args.flags.get('color'), has('no-color'));
  if (has('list-checks')) {
    if (has('json') || args.flags.get('format')?.[0] === 'json') {
      const list = probes.map((p) => ({ id: p.id, title: p.title }));
      process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return 0;
    }
    const idWidth = Math.max(...probes.map((p) => p.id.length));
    for (const probe of probes) process.stdout.write(`${probe.id.padEnd(idWidth)}  ${probe.title}\n`);
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
  const config = loadConfigOrSay(
    args,
    process.env,
    probes.map((p) => p.id),
  );
  if (config === undefined) return EXIT_CONFIG;
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
    const colour = useColour(when, process.env, process.stdout.isTTY === true);
    process.stdout.write(renderText(document, { colour, width }));
  }
  return document.exitCode;
}

// `xendoctor help [COMMAND]`.
function help(argv: readonly string[]): number {
  const args = parseArgs(argv, {});
  const width = outputWidth(undefined, process.env, process.stdout);
  const [name, extra] = args.positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  if (name === undefined) {
    process.stdout.write(renderOverview(width));
    return 0;
  }
  const command = commandNamed(name);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(name)}; try xendoctor help`);
  process.stdout.write(renderHelp(command, width));
  return 0;
}
