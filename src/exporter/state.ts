// What the daemon knows between cycles: the last result of every probe, the timeout counts, the cached
// exposition and report document, and whether the schedule is keeping up (for /healthz).
import type { Probe, Status } from '../check.js';
import { buildDocument, type ReportDocument } from '../report/document.js';
import { sharedStuckRegistry } from '../host/host.js';
import type { HostInfo } from '../report/host-info.js';
import { VERSION } from '../version.js';
import { Exposition } from './exposition.js';
import type { KernelLogFollower } from './kernel-log.js';
import { countTimeouts, type ProbeRun } from './metrics.js';
import type { Cycle, Group } from './schedule.js';

/** The slice of a pino logger the daemon uses (tests pass a recorder). */
export interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
  child(bindings: object): Log;
}

export interface Health {
  ok: boolean;
  detail: string;
}

export class DaemonState {
  readonly exposition = new Exposition();
  /** serve's /dev/kmsg follower; its counts are published with each cycle. */
  kernelLog: KernelLogFollower | undefined;
  private readonly runs = new Map<string, ProbeRun>();
  private readonly timeouts = new Map<string, number>();
  private readonly overlaps = new Map<string, number>();
  private readonly lastCycle = new Map<Group, number>();
  private readonly probeLogs = new Map<string, Log>();
  private hostInfo: HostInfo | undefined;
  private documentJson: string | undefined;
  private lastFinishedAt = 0;

  constructor(
    private readonly order: readonly Probe[],
    private readonly groups: readonly Group[],
    private readonly log: Log,
    private readonly startedAt: number = Date.now(),
  ) {}

  /** Takes one cycle's results: logs status changes and errors, refreshes the caches. */
  record(cycle: Cycle): void {
    for (const result of cycle.results) {
      const log = this.probeLog(result.id);
      const before = this.runs.get(result.id)?.result.status;
      if (result.status === 'error') {
        log.warn({ status: result.status, error: result.summary, evidence: result.evidence }, 'probe error');
      }
      if (before !== result.status) {
        // A check turning fail or warn is at warn (journalctl -p warning shows it); an error has its own
        // warn line above, a recovery or a skip is news at info.
        const fields = {
          from: before ?? null,
          to: result.status,
          summary: result.summary,
          findings: codes(result),
        };
        const message = before === undefined ? 'first status' : 'status changed';
        if (result.status === 'fail' || result.status === 'warn') log.warn(fields, message);
        else log.info(fields, message);
      }
      log.debug({ status: result.status, durationMs: result.durationMs }, 'probe ran');
      this.runs.set(result.id, { result, finishedAt: cycle.finishedAt });
    }
    countTimeouts(this.timeouts, cycle.commands);
    for (const command of cycle.commands) {
      if (command.timedOut) this.log.warn({ command: command.command }, 'command timed out');
    }
    this.hostInfo = cycle.hostInfo;
    this.lastCycle.set(cycle.group, cycle.finishedAt);
    this.lastFinishedAt = Math.max(this.lastFinishedAt, cycle.finishedAt);
    this.documentJson = undefined;
    const rejected = this.exposition.update({
      runs: this.orderedRuns(),
      commandTimeouts: new Map(this.timeouts),
      overlaps: new Map(this.overlaps),
      // Process-wide: a stuck xl outlives the cycle (and the host) that started it.
      stuckCommands: sharedStuckRegistry.list().length,
      ...(this.kernelLog ? { kernelLogEvents: this.kernelLog.counts() } : {}),
    });
    for (const { probe, sample, reason } of rejected) {
      this.probeLog(probe).warn({ metric: sample.name, reason }, 'metric sample left out');
    }
  }

  /** Counts a tick of the group skipped because its last cycle was still running (published next cycle). */
  countOverlap(group: Group | undefined): void {
    for (const probe of group?.probes ?? [])
      this.overlaps.set(probe.id, (this.overlaps.get(probe.id) ?? 0) + 1);
  }

  /** The probes' last results in report order. */
  orderedRuns(): ProbeRun[] {
    return this.order.flatMap((probe) => {
      const run = this.runs.get(probe.id);
      return run ? [run] : [];
    });
  }

  /** The document `xendoctor --json` prints, from the last results; undefined before the first cycle. */
  document(): ReportDocument | undefined {
    if (!this.hostInfo) return undefined;
    const results = this.orderedRuns().map((run) => run.result);
    return buildDocument(VERSION, this.hostInfo, results, new Date(this.lastFinishedAt));
  }

  /** The document as JSON text, cached until the next cycle. */
  documentText(): string | undefined {
    if (this.documentJson === undefined) {
      const document = this.document();
      if (document) this.documentJson = `${JSON.stringify(document, null, 2)}\n`;
    }
    return this.documentJson;
  }

  /** Unhealthy when a group has not completed a cycle for three of its intervals. */
  health(now: number = Date.now()): Health {
    for (const group of this.groups) {
      const last = this.lastCycle.get(group) ?? this.startedAt;
      const age = (now - last) / 1000;
      if (age > 3 * group.intervalSeconds) {
        const ids = group.probes.map((p) => p.id).join(', ');
        const what = this.lastCycle.has(group) ? 'no cycle completed' : 'no cycle completed since start';
        return {
          ok: false,
          detail: `${what} for ${Math.round(age)} s (interval ${group.intervalSeconds} s): ${ids}`,
        };
      }
    }
    return { ok: true, detail: 'ok' };
  }

  /** Count of current results per status (the landing page). */
  summary(): Record<Status, number> {
    const counts: Record<Status, number> = { ok: 0, warn: 0, fail: 0, skip: 0, error: 0 };
    for (const run of this.runs.values()) counts[run.result.status]++;
    return counts;
  }

  private probeLog(id: string): Log {
    let log = this.probeLogs.get(id);
    if (!log) {
      log = this.log.child({ probe: id });
      this.probeLogs.set(id, log);
    }
    return log;
  }
}

function codes(result: { findings: { code: string }[] }): string[] {
  return result.findings.map((f) => f.code);
}
