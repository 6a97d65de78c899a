// `--format nagios`: the output of a monitoring plugin, per the Monitoring Plugins Development Guidelines
// (https://www.monitoring-plugins.org/doc/guidelines.html#PLUGOUTPUT): the first line is what Nagios/Icinga
// show, "SERVICE STATUS - text | perfdata"; the lines after it are the long text. Perfdata is
// 'label'=value[UOM];[warn];[crit];[min];[max], space-separated, labels without quotes when they have no
// space or '=' (ours never do). The exit code is the report's (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
import type { CheckResult, Status } from '../check.js';
import type { Settings } from '../context.js';
import type { ReportDocument } from './document.js';
import { safe } from './text.js';

const STATE = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
/** The check status each exit code stands for (the status line names those checks). */
const STATUS_OF_EXIT: Status[] = ['ok', 'warn', 'fail', 'error'];
const WORD: Record<Status, string> = { ok: 'OK', warn: 'WARN', fail: 'FAIL', skip: 'SKIP', error: 'UNKNOWN' };

/** The plugin output for one report; its exit code is `doc.exitCode`. */
export function renderNagios(
  doc: ReportDocument,
  results: readonly CheckResult[],
  settings: Pick<Settings, 'gnttabWarnRatio'>,
): string {
  const state = STATE[doc.exitCode] ?? 'UNKNOWN';
  const status = STATUS_OF_EXIT[doc.exitCode] ?? 'error';
  const first = [`XENDOCTOR ${state} - ${headline(doc, status)}`, perfdata(doc, results, settings)].join(
    ' | ',
  );
  const details: string[] = [];
  for (const check of doc.checks) {
    const advice = check.findings.filter((f) => f.severity === 'advice');
    if (check.status === 'ok' && advice.length === 0) continue;
    if (check.status === 'skip') continue;
    const word = check.status === 'ok' ? 'OK (advice)' : WORD[check.status];
    details.push(`${word} ${check.id}: ${plain(check.summary)}`);
    if (check.status === 'ok') {
      for (const f of advice) if (f.message !== check.summary) details.push(`  advice: ${plain(f.message)}`);
    }
  }
  const skipped = doc.checks.filter((c) => c.status === 'skip').map((c) => c.id);
  if (skipped.length > 0) details.push(`skipped: ${skipped.join(', ')}`);
  return `${[first, ...details].join('\n')}\n`;
}

// What the on-call person reads first: the checks that decided the state, by id and summary.
function headline(doc: ReportDocument, status: Status): string {
  if (status === 'ok') {
    const advised = doc.checks.filter((c) => c.findings.some((f) => f.severity === 'advice'));
    const advice = advised.length > 0 ? ` (advice: ${advised.map((c) => c.id).join(', ')})` : '';
    return `${doc.summary.ok} checks ok, ${doc.summary.skip} skipped${advice}`;
  }
  return doc.checks
    .filter((c) => c.status === status)
    .map((c) => `${c.id}: ${plain(c.summary)}`)
    .join('; ');
}

// Counts as plain numbers (no thresholds: the state already says it), then the fullest grant table as a
// ratio with the warn threshold and 1 (a full table) as critical.
function perfdata(
  doc: ReportDocument,
  results: readonly CheckResult[],
  settings: Pick<Settings, 'gnttabWarnRatio'>,
): string {
  const s = doc.summary;
  const parts = [`ok=${s.ok}`, `warn=${s.warn}`, `fail=${s.fail}`, `unknown=${s.error}`];
  const ratio = gnttabMaxRatio(results);
  if (ratio !== undefined) parts.push(`gnttab_max_ratio=${round(ratio)};${settings.gnttabWarnRatio};1`);
  return parts.join(' ');
}

/** The highest frames / max_frames over all domains, from grant-tables' samples; undefined without any. */
export function gnttabMaxRatio(results: readonly CheckResult[]): number | undefined {
  const samples = results.find((r) => r.id === 'grant-tables')?.metrics ?? [];
  const max = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name === 'gnttab_max_frames') max.set(sample.labels.domid ?? '', sample.value);
  }
  let highest: number | undefined;
  for (const sample of samples) {
    if (sample.name !== 'gnttab_frames') continue;
    const limit = max.get(sample.labels.domid ?? '');
    if (!limit) continue;
    highest = Math.max(highest ?? 0, sample.value / limit);
  }
  return highest;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

// '|' starts perfdata in a plugin's output: text from the host must not carry one.
function plain(text: string): string {
  return safe(text, 300).replace(/\|/g, '/');
}
