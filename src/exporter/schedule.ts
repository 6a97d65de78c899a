// Runs the probes on a schedule. Probes that share an interval run together in one Context, so `xl info`
// still runs once per cycle however many probes read it; a probe with its own interval (a slow one) gets
// its own group. A group never starts while its previous cycle is still running, so one probe never runs
// twice at once. node-cron drives the clock (its seconds field allows intervals under a minute).
import cron, { type Logger as CronLogger, type ScheduledTask, type TaskOptions } from 'node-cron';
import type { CheckResult, Probe } from '../check.js';
import { cronFor } from '../config.js';
import type { Settings } from '../context.js';
import type { CommandResult, Host } from '../host/host.js';
import type { HostInfo } from '../report/host-info.js';
import { runReport } from '../report/run.js';

export interface Group {
  intervalSeconds: number;
  probes: readonly Probe[];
}

/** What one cycle of one group produced. */
export interface Cycle {
  group: Group;
  results: CheckResult[];
  hostInfo: HostInfo;
  commands: CommandResult[];
  startedAt: number;
  finishedAt: number;
}

export interface ScheduleOptions {
  groups: readonly Group[];
  settings: Settings;
  /** A fresh host per cycle (cheap), so a tool installed later is found by the next cycle. */
  host: () => Host;
  onCycle: (cycle: Cycle) => void;
  /** A cycle skipped because the last one of its group is still running, or a cycle that threw. */
  onProblem: (what: 'overlap' | 'failed', group: Group, error?: unknown) => void;
  cronLogger?: CronLogger;
  /** Overrides the cron expression (tests and the benchmark use a faster clock). */
  cronExpression?: (intervalSeconds: number) => string;
}

/** Splits probes into groups by interval (enabled ones only), the default group first. */
export function groupProbes(
  probes: readonly Probe[],
  intervalSeconds: number,
  checks: Record<string, { enabled: boolean; intervalSeconds?: number }>,
): Group[] {
  const byInterval = new Map<number, Probe[]>();
  byInterval.set(intervalSeconds, []);
  for (const probe of probes) {
    const check = checks[probe.id];
    if (check && !check.enabled) continue;
    const interval = check?.intervalSeconds ?? intervalSeconds;
    byInterval.set(interval, [...(byInterval.get(interval) ?? []), probe]);
  }
  return [...byInterval]
    .filter(([, list]) => list.length > 0)
    .map(([interval, list]) => ({ intervalSeconds: interval, probes: list }));
}

export class Schedule {
  private readonly tasks: ScheduledTask[] = [];
  private readonly running = new Map<Group, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: ScheduleOptions) {}

  /** Runs every group once now, then on its schedule. */
  start(): void {
    for (const group of this.options.groups) {
      const expression =
        this.options.cronExpression?.(group.intervalSeconds) ?? cronFor(group.intervalSeconds);
      if (!expression) throw new Error(`no cron expression for ${group.intervalSeconds} s`);
      const taskOptions: TaskOptions = { name: `every-${group.intervalSeconds}s`, noOverlap: true };
      if (this.options.cronLogger) taskOptions.logger = this.options.cronLogger;
      this.tasks.push(cron.schedule(expression, () => this.runGroup(group), taskOptions));
      void this.runGroup(group);
    }
  }

  /** Stops the clock; a cycle in flight finishes (its results are dropped) and nothing new starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.tasks.map((task) => task.destroy()));
    this.tasks.length = 0;
  }

  /** Resolves when no cycle is running (used by tests and the benchmark). */
  async idle(): Promise<void> {
    await Promise.all(this.running.values());
  }

  /** Runs one cycle of a group unless one is already running; never throws. */
  runGroup(group: Group): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const inFlight = this.running.get(group);
    if (inFlight) {
      this.options.onProblem('overlap', group);
      return inFlight;
    }
    const cycle = this.cycle(group).finally(() => this.running.delete(group));
    this.running.set(group, cycle);
    return cycle;
  }

  private async cycle(group: Group): Promise<void> {
    const startedAt = Date.now();
    try {
      const { results, context, document } = await runReport(
        this.options.host(),
        group.probes,
        this.options.settings,
      );
      const commands = await context.commands();
      if (this.stopped) return;
      this.options.onCycle({
        group,
        results,
        hostInfo: document.host,
        commands,
        startedAt,
        finishedAt: Date.now(),
      });
    } catch (caught) {
      // runProbe already isolates probes; this is the host info or a bug in a callback. Never fatal.
      this.options.onProblem('failed', group, caught);
    }
  }
}
