// The report as one JSON document: what `xendoctor --json` prints and the daemon serves as /report.json.
import type { CheckResult, Status } from '../check.js';
import type { HostInfo } from './host-info.js';

export type ReportCheck = Omit<CheckResult, 'metrics'>;

export interface ReportDocument {
  xendoctor: string;
  generatedAt: string;
  host: HostInfo;
  summary: Record<Status, number>;
  exitCode: number;
  checks: ReportCheck[];
}

/**
 * Nagios plugin convention: 2 when any check fails, else 3 when any errored (a known problem outranks an
 * unknown one, as check_multi does), else 1 when any warns, else 0 (ok and skip).
 */
export function exitCodeFor(checks: readonly Pick<CheckResult, 'status'>[]): number {
  const has = (status: Status) => checks.some((c) => c.status === status);
  if (has('fail')) return 2;
  if (has('error')) return 3;
  if (has('warn')) return 1;
  return 0;
}

export function buildDocument(
  version: string,
  host: HostInfo,
  results: readonly CheckResult[],
  now: Date = new Date(),
): ReportDocument {
  const summary: Record<Status, number> = { ok: 0, warn: 0, fail: 0, skip: 0, error: 0 };
  for (const r of results) summary[r.status]++;
  return {
    xendoctor: version,
    generatedAt: now.toISOString(),
    host,
    summary,
    exitCode: exitCodeFor(results),
    checks: results.map(({ metrics: _metrics, ...check }) => check),
  };
}
