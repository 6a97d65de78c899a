// The xendoctor_* metrics, built from the last results of each probe as a prom-client Registry of typed
// gauges and counters. A registry is built once per schedule cycle and its text cached (exposition.ts): a
// scrape renders nothing and runs no command.
import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import type { CheckResult, MetricSample, Status } from '../check.js';
import type { CommandResult } from '../host/host.js';
import { VERSION } from '../version.js';

export const PREFIX = 'xendoctor_';
export const CACHED = 'Published from the last scheduled run; a scrape runs no command.';

/** check_status values: ordered so that `>= 1` is "warn or worse"; 3 (error) follows Nagios' UNKNOWN. */
export const STATUS_VALUE: Record<Status, number> = { ok: 0, warn: 1, fail: 2, error: 3, skip: -1 };

/** The last run of one probe. */
export interface ProbeRun {
  result: CheckResult;
  /** When the run finished, ms since the epoch. */
  finishedAt: number;
}

/** Everything /metrics publishes, besides the process metrics. */
export interface Snapshot {
  /** In report order. */
  runs: readonly ProbeRun[];
  /** Command timeouts counted since start, by command label; undefined for a one-shot run. */
  commandTimeouts?: ReadonlyMap<string, number>;
  /** Scheduled runs skipped because the probe's last run was still going, by probe; daemon only. */
  overlaps?: ReadonlyMap<string, number>;
  /** Commands still alive after SIGKILL, left behind; undefined for a one-shot run. */
  stuckCommands?: number;
  /** Xen backend events in the kernel log since the daemon started, by "event\tdevice"; daemon only. */
  kernelLogEvents?: ReadonlyMap<string, number>;
}

export type ContentType = 'prometheus' | 'openmetrics';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The label for a command in command_timeouts_total: the program and its subcommand ("xl list",
 * "xen-diag gnttab_query_size", "ethtool"), never its arguments, so domids and interfaces that come and go
 * over months cannot grow the series without bound.
 */
export function commandLabel(argvText: string): string {
  const [program = '', sub] = argvText.split(' ');
  return sub !== undefined && /^[a-z][a-z0-9_-]*$/.test(sub) ? `${program} ${sub}` : program;
}

/** Adds the timeouts of one run's commands to the running counts (kept by the caller across cycles). */
export function countTimeouts(counts: Map<string, number>, commands: readonly CommandResult[]): void {
  for (const command of commands) {
    if (!command.timedOut) continue;
    const label = commandLabel(command.command);
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
}

/** Probe samples that would break the exposition (bad names, clashes); the caller logs them. */
export interface Rejected {
  probe: string;
  sample: MetricSample;
  reason: string;
}

/** The prom-client registry type the daemon renders (text or OpenMetrics, set per registry). */
export type MetricsRegistry = Registry<RegistryContentType>;

/** Builds a registry holding the snapshot; `rejected` collects samples that were left out. */
export function buildRegistry(
  snapshot: Snapshot,
  contentType: ContentType,
  rejected: Rejected[] = [],
): MetricsRegistry {
  const registry: MetricsRegistry = new Registry();
  if (contentType === 'openmetrics') registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: PREFIX + name, help: cached(help), labelNames, registers: [registry] });

  gauge('build_info', 'Always 1; the version label says which xendoctor runs.', ['version']).set(
    { version: VERSION },
    1,
  );
  const status = gauge(
    'check_status',
    'Status of each check at its last run: 0 ok, 1 warn, 2 fail, 3 error (the check could not complete), -1 skip.',
    ['check'],
  );
  const finding = gauge(
    'finding',
    'Findings of the last run by check, code and severity (advice, warn, fail; the value counts them, e.g. one per interface); absent when there is none. Advice leaves check_status at 0.',
    ['check', 'code', 'severity'],
  );
  const success = gauge(
    'probe_success',
    '1 when the probe completed at its last run (any verdict or skip), 0 when it errored.',
    ['probe'],
  );
  const duration = gauge('probe_duration_seconds', 'How long the last run of the probe took.', ['probe']);
  const lastRun = gauge(
    'probe_last_run_timestamp_seconds',
    'When the last run of the probe finished, in seconds since the epoch.',
    ['probe'],
  );
  for (const { result, finishedAt } of snapshot.runs) {
    status.set({ check: result.id }, STATUS_VALUE[result.status]);
    for (const f of result.findings) finding.inc({ check: result.id, code: f.code, severity: f.severity });
    success.set({ probe: result.id }, result.status === 'error' ? 0 : 1);
    duration.set({ probe: result.id }, Math.round(result.durationMs * 10) / 10_000);
    lastRun.set({ probe: result.id }, Math.round(finishedAt / 1000));
  }

  if (snapshot.commandTimeouts) {
    const timeouts = new Counter({
      name: `${PREFIX}command_timeouts_total`,
      help: cached(
        'Commands killed after their timeout since the daemon started, by program and subcommand.',
      ),
      labelNames: ['command'],
      registers: [registry],
    });
    for (const [command, count] of snapshot.commandTimeouts) timeouts.inc({ command }, count);
  }
  if (snapshot.overlaps) {
    const overlaps = new Counter({
      name: `${PREFIX}probe_overlaps_total`,
      help: cached(
        'Scheduled runs of the probe skipped because its previous run was still going (a probe slower than its schedule).',
      ),
      labelNames: ['probe'],
      registers: [registry],
    });
    for (const [probe, count] of snapshot.overlaps) overlaps.inc({ probe }, count);
  }
  if (snapshot.stuckCommands !== undefined) {
    gauge(
      'stuck_commands',
      'Commands still alive after timeout, SIGTERM and SIGKILL (e.g. xl blocked in the kernel); no new instance of the same program starts meanwhile.',
      [],
    ).set(snapshot.stuckCommands);
  }

  if (snapshot.kernelLogEvents) {
    const events = new Counter({
      name: `${PREFIX}kernel_log_events_total`,
      help: cached(
        'Xen backend events in the kernel log (/dev/kmsg) since the daemon started: netback_fatal, netback_error, blkback_error, max_grant_frames, grant_map_failed, xenbus_timeout; device is the vif or vbd named in the line (empty when none; other past 64 devices).',
      ),
      labelNames: ['event', 'device'],
      registers: [registry],
    });
    for (const [key, count] of snapshot.kernelLogEvents) {
      const [event = '', device = ''] = key.split('\t');
      events.inc({ event, device }, count);
    }
  }

  addProbeSamples(registry, snapshot.runs, rejected);
  return registry;
}

const OWN = new Set([
  'build_info',
  'check_status',
  'finding',
  'probe_success',
  'probe_duration_seconds',
  'probe_last_run_timestamp_seconds',
  'command_timeouts_total',
  'probe_overlaps_total',
  'stuck_commands',
  'kernel_log_events_total',
]);

// Samples from probes become gauges (or counters, when the probe says so), one per name; a name used by two
// probes keeps the first help and type, and label sets are widened to the union (a missing label is empty,
// which Prometheus treats as absent).
function addProbeSamples(registry: MetricsRegistry, runs: readonly ProbeRun[], rejected: Rejected[]): void {
  const families = new Map<
    string,
    { help: string; counter: boolean; labels: Set<string>; samples: MetricSample[] }
  >();
  for (const { result } of runs) {
    for (const sample of result.metrics) {
      const reason = sampleProblem(sample);
      if (reason) {
        rejected.push({ probe: result.id, sample, reason });
        continue;
      }
      let family = families.get(sample.name);
      if (family && family.counter !== (sample.type === 'counter')) {
        rejected.push({ probe: result.id, sample, reason: 'same name as a metric of another type' });
        continue;
      }
      if (!family) {
        family = { help: sample.help, counter: sample.type === 'counter', labels: new Set(), samples: [] };
        families.set(sample.name, family);
      }
      for (const label of Object.keys(sample.labels)) family.labels.add(label);
      family.samples.push(sample);
    }
  }
  for (const [name, family] of families) {
    const labelNames = [...family.labels].sort();
    const options = { name: PREFIX + name, help: cached(family.help), labelNames, registers: [registry] };
    const labelsOf = (sample: MetricSample) =>
      Object.fromEntries(labelNames.map((l) => [l, sample.labels[l] ?? '']));
    if (family.counter) {
      // A kernel counter read at the cycle: inc() from zero in a fresh registry publishes the value as is.
      const counter = new Counter(options);
      for (const sample of family.samples) counter.inc(labelsOf(sample), sample.value);
    } else {
      const gauge = new Gauge(options);
      for (const sample of family.samples) gauge.set(labelsOf(sample), sample.value);
    }
  }
}

// prom-client escapes backslash and newline in HELP but not the double quote OpenMetrics also escapes:
// a help text never needs one, so it becomes a single quote.
function cached(help: string): string {
  const text = help.trim().replace(/"/g, "'");
  return `${text}${/[.!?]$/.test(text) ? '' : '.'} ${CACHED}`;
}

function sampleProblem(sample: MetricSample): string | undefined {
  if (!NAME.test(sample.name) || sample.name.startsWith(PREFIX)) return 'invalid metric name';
  if (OWN.has(sample.name)) return 'name reserved by the exporter';
  const counter = sample.type === 'counter';
  if (!counter && sample.name.endsWith('_total')) return 'a gauge may not end in _total';
  if (counter && !sample.name.endsWith('_total')) return 'a counter ends in _total';
  if (counter && (sample.value < 0 || !Number.isFinite(sample.value))) return 'a counter is finite and >= 0';
  for (const label of Object.keys(sample.labels)) {
    if (!LABEL.test(label) || label.startsWith('__')) return `invalid label name ${JSON.stringify(label)}`;
  }
  if (typeof sample.value !== 'number' || Number.isNaN(sample.value)) return 'value is not a number';
  return undefined;
}
