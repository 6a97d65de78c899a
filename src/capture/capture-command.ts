// `xendoctor capture --out DIR [--redact]`: runs the full report through a recording host and writes
// everything the checks read (files, listings, every command's stdout/stderr/exit code) as a folder that
// `xendoctor --replay DIR` replays: for bug reports, and to refresh the test fixture hosts.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs, UsageError } from '../args.js';
import { createHost, type Host } from '../host/host.js';
import { captureFlags, type Command, commandNamed } from '../commands.js';
import { helpOrVersion } from '../help.js';
import { hostOptionsFrom } from '../host-flags.js';
import { probes } from '../probes/index.js';
import type { ReportDocument } from '../report/document.js';
import { runReport } from '../report/run.js';
import { VERSION } from '../version.js';
import { type Recording, recordingHost } from './recording-host.js';
import { parseXlList } from '../parsers/xl-list.js';
import { Redactor } from './redact.js';
import { type CapturePlan, hostTypeOf, planCapture, writeCapture } from './write-capture.js';

export interface CaptureResult {
  document: ReportDocument;
  plan: CapturePlan;
  /** Set with --redact: what it replaced and left (its summary() goes in the output and CAPTURED.md). */
  redactor?: Redactor;
}

/** Captures `host` into `outDir`; the library form of the command (used by tests). */
export async function capture(
  host: Host,
  outDir: string,
  options: { redact?: boolean } = {},
): Promise<CaptureResult> {
  const { host: recorder, recording } = recordingHost(host);
  const { document } = await runReport(recorder, probes);
  const redactor = options.redact
    ? new Redactor(hostNamesOf(recording, document), {
        domains: domainNamesOf(recording),
        users: userNamesOf(recording),
      })
    : undefined;
  const plan = await planCapture(recording, hostTypeOf(host), redactor);
  const reportJson = `${JSON.stringify(document, null, 2)}\n`;
  await writeCapture(outDir, plan, {
    capturedMd: capturedMd(document, plan, recording, options.redact === true, redactor),
    reportJson: redactor ? redactor.text(reportJson) : reportJson,
  });
  return redactor ? { document, plan, redactor } : { document, plan };
}

/** domU names as `xl list` showed them (Domain-0 is kept: it names nothing). */
function domainNamesOf(recording: Recording): string[] {
  const names = new Set<string>();
  for (const { argv, result } of recording.commands.values()) {
    if (argv.join(' ') !== 'xl list' || result.exitCode !== 0) continue;
    try {
      for (const domain of parseXlList(result.stdout)) if (domain.domid !== 0) names.add(domain.name);
    } catch {
      // garbage from xl: no names to learn from it
    }
  }
  return [...names];
}

/** People's login names (uid >= 1000, below nobody's 65534) from /etc/passwd, when a check read it. */
function userNamesOf(recording: Recording): string[] {
  const read = recording.files.get('/etc/passwd');
  if (read?.kind !== 'file') return [];
  return read.bytes
    .toString('utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => Number(fields[2]) >= 1000 && Number(fields[2]) < 65534 && fields[0])
    .map((fields) => fields[0] as string);
}

export async function captureCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, captureFlags);
  if (helpOrVersion(args.flags, commandNamed('capture') as Command)) return 0;
  if (args.positionals.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  }
  const out = args.flags.get('out')?.[0];
  if (!out) throw new UsageError('capture needs --out DIR');
  const outDir = path.resolve(out);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new UsageError(`--out ${outDir} is not empty; give a new or empty folder`);
  }
  const hostOptions = hostOptionsFrom(args, process.env);
  const redact = args.flags.has('redact');
  // A --root tree is captured as it is: a link in it that leads out of it is not followed.
  const host = createHost({ ...hostOptions, confineToRoot: true });
  const { document, plan, redactor } = await capture(host, outDir, { redact });
  const files = [...plan.nodes.values()].filter((n) => n.kind === 'file').length;
  process.stdout.write(
    `captured ${files} files and ${countCommands(plan)} commands into ${outDir}\n` +
      `report at capture time: ${summaryLine(document)}\n` +
      `replay it with: xendoctor --replay ${outDir}\n` +
      (redactor
        ? `${redactor.summary()} Review before sharing (docs/capture.md lists what is redacted).\n`
        : 'it contains host names, MAC addresses and UUIDs of this host (use --redact); review before sharing\n'),
  );
  return 0;
}

function countCommands(plan: CapturePlan): number {
  return [...plan.replies.keys()].filter((name) => name.endsWith('.stdout')).length;
}

function summaryLine(doc: ReportDocument): string {
  const s = doc.summary;
  return `${s.ok} ok, ${s.warn} warn, ${s.fail} fail, ${s.skip} skip, ${s.error} error`;
}

/** The names this host goes by: its hostname (and FQDN) and what `xl info` calls it. */
function hostNamesOf(recording: Recording, document: ReportDocument): string[] {
  const names: string[] = [];
  if (document.host.hostname) names.push(document.host.hostname);
  for (const file of ['/proc/sys/kernel/hostname', '/etc/hostname', '/etc/mailname']) {
    const read = recording.files.get(file);
    if (read?.kind === 'file') names.push(read.bytes.toString('utf8').trim());
  }
  for (const { argv, result } of recording.commands.values()) {
    const command = argv.join(' ');
    if (command === 'xl info') {
      const host = /^host\s*:\s*(\S+)/m.exec(result.stdout)?.[1];
      if (host) names.push(host);
    } else if (command === 'uname -n' || command === 'hostname' || command === 'hostname -f') {
      names.push(result.stdout.trim());
    }
  }
  return names.filter(Boolean);
}

function capturedMd(
  doc: ReportDocument,
  plan: CapturePlan,
  recording: Recording,
  redacted: boolean,
  redactor: Redactor | undefined,
): string {
  const red = (text: string) => (redactor ? redactor.text(text) : text);
  const rows = doc.checks.map((c) => `| ${c.id} | ${c.status} | ${red(c.summary).replace(/\|/g, '\\|')} |`);
  const commands = [...recording.commands.values()]
    .map(({ argv, result }) => {
      const how = result.notFound
        ? 'not found'
        : result.timedOut
          ? 'timed out'
          : result.exitCode === null
            ? `killed by ${result.signal}`
            : `exit ${result.exitCode}`;
      return `- \`${red(argv.join(' '))}\`: ${how}, ${Math.round(result.durationMs)} ms`;
    })
    .sort();
  return [
    '# Host captured by `xendoctor capture`',
    '',
    `xendoctor ${VERSION}, ${doc.generatedAt}. Replay: \`xendoctor --replay <this folder>\`.`,
    '',
    'Files under this folder are the files the checks read, verbatim (files that were only listed or',
    'tested for existence are empty stand-ins). commands/replies/ holds what each command printed and its',
    'exit code; commands/<name> are links to ./replay.sh, which replays them.',
    '',
    redacted && redactor
      ? `Redacted (consistent stand-ins; see docs/capture.md). ${redactor.summary()} Review before sharing.`
      : 'NOT redacted: this folder contains host names, MAC addresses, UUIDs, IP addresses and command lines ' +
        'of the captured host (`xendoctor capture --redact` replaces the first three).',
    '',
    '## Report at capture time (REPORT.json has all of it)',
    '',
    '| check | status | summary |',
    '| --- | --- | --- |',
    ...rows,
    '',
    '## Commands run',
    '',
    ...(commands.length > 0 ? commands : ['(none)']),
    '',
    ...(plan.notes.length > 0
      ? ['## Replay differs from the host here', '', ...plan.notes.map((n) => `- ${red(n)}`), '']
      : []),
  ].join('\n');
}
