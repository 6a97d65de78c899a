// Runs the probes on a schedule with node-cron. Probes that share a schedule run together in one Context,
// so `xl info` still runs once per cycle however many probes read it; a probe with its own interval or
// cron expression (a slow one, or kernel-config once a day) gets its own group. A group never starts while
// its previous cycle is still running (node-cron's noOverlap, and the same rule for the run at start); the
// ticks it skips are counted. node-cron plans each tick from the wall clock, so a clock stepped forward
// skips the missed ticks instead of running them all; a clock stepped back would leave it waiting for the
// old next tick, so a watch on the monotonic clock restarts the tasks when the wall clock jumps.
import cron, { type ScheduledTask } from 'node-cron';
import type { CheckResult, Probe } from '../check.js';
import { ConfigError, cronFor } from '../config.js';
import type { Settings } from '../context.js';
import type { CommandResult, Host } from '../host/host.js';
import type { HostInfo } from '../report/host-info.js';
import { runReport } from '../report/run.js';

export interface Group {
  /** The cron expression (6 fields, seconds first, or 5) node-cron runs the group on. */
  cron: string;
  /** The longest gap between two runs, in seconds: what /healthz allows three of. */
  intervalSeconds: number;
  /**
   * 'UTC' for an interval: node-cron 4.6 plans a local `*\/5` minutes across the autumn DST change as
   * 65 minutes (the repeated hour's second pass); in UTC an interval never jumps. undefined for a cron
   * expression: "03:00" means local time.
   */
  timezone?: 'UTC';
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

export type Problem = 'overlap' | 'failed' | 'clock-step';

export interface ScheduleOptions {
  groups: readonly Group[];
  settings: Settings;
  /** A fresh host per cycle (cheap), so a tool installed later is found by the next cycle. */
  host: () => Host;
  onCycle: (cycle: Cycle) => void;
  /**
   * A tick skipped because the last cycle of its group is still running, a cycle that threw, or the wall
   * clock stepped by `detail` ms (the schedule then restarts from the new time).
   */
  onProblem: (what: Problem, group: Group | undefined, detail?: unknown) => void;
  /** The time zone of cron expressions (tests); the local one when undefined. Intervals run in UTC. */
  timezone?: string;
  /** A monotonic clock in ms (tests inject one); performance.now by default. */
  monotonic?: () => number;
}

/** How often the wall clock is compared with the monotonic one, and the difference that counts as a step. */
export const CLOCK_WATCH_MS = 5_000;
export const CLOCK_STEP_MS = 2_000;

export interface CheckSchedule {
  enabled: boolean;
  intervalSeconds?: number;
  cron?: string;
}

/**
 * Splits probes into groups by schedule (enabled ones only), the default group first. A cron expression
 * node-cron refuses is a ConfigError naming the check.
 */
export function groupProbes(
  probes: readonly Probe[],
  intervalSeconds: number,
  checks: Record<string, CheckSchedule>,
): Group[] {
  // Keyed by expression and zone: "0 0 3 * * *" as an interval (UTC) and as a user's cron (local) differ.
  const byCron = new Map<string, Group & { probes: Probe[] }>();
  const add = (expression: string, seconds: number, local: boolean, probe?: Probe) => {
    const key = `${expression}${local ? '' : ' UTC'}`;
    const group = byCron.get(key) ?? {
      cron: expression,
      intervalSeconds: seconds,
      ...(local ? {} : { timezone: 'UTC' as const }),
      probes: [],
    };
    if (probe) group.probes.push(probe);
    byCron.set(key, group);
  };
  add(everySeconds(intervalSeconds), intervalSeconds, false);
  for (const probe of probes) {
    const check = checks[probe.id];
    if (check && !check.enabled) continue;
    if (check?.cron !== undefined) {
      if (!cron.validate(check.cron)) {
        throw new ConfigError(
          `checks.${probe.id}.schedule: not a cron expression node-cron accepts: ${JSON.stringify(check.cron)}`,
        );
      }
      add(check.cron, longestGapSeconds(check.cron), true, probe);
    } else {
      const seconds = check?.intervalSeconds ?? intervalSeconds;
      add(everySeconds(seconds), seconds, false, probe);
    }
  }
  return [...byCron.values()].filter((group) => group.probes.length > 0);
}

function everySeconds(seconds: number): string {
  const expression = cronFor(seconds);
  if (!expression) throw new ConfigError(`no schedule for ${seconds} s`);
  return expression;
}

// The longest gap between the next runs of an expression (a year of a daily schedule is more than enough
// to see its pattern; 32 runs of a weekday-only one cover a weekend).
function longestGapSeconds(expression: string): number {
  const task = cron.createTask(expression, () => {});
  try {
    const runs = task.getNextRuns(32).map((date) => date.getTime());
    let longest = 0;
    for (let i = 1; i < runs.length; i++) longest = Math.max(longest, (runs[i] ?? 0) - (runs[i - 1] ?? 0));
    return Math.max(1, Math.round(longest / 1000));
  } finally {
    void task.destroy();
  }
}

export class Schedule {
  private readonly tasks = new Map<Group, ScheduledTask>();
  private readonly running = new Map<Group, Promise<void>>();
  private clockWatch: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ScheduleOptions) {}

  /** Runs every group once now, then on its schedule. */
  start(): void {
    for (const group of this.options.groups) {
      const task = cron.schedule(group.cron, () => this.runGroup(group), {
        name: group.probes.map((p) => p.id).join(','),
        noOverlap: true,
        // A tick that fires late (a loaded host) still runs, unless the next one is already due.
        missedExecutionTolerance: Number.MAX_SAFE_INTEGER,
        suppressMissedWarning: true,
        ...((group.timezone ?? this.options.timezone)
          ? { timezone: group.timezone ?? this.options.timezone }
          : {}),
        logger: QUIET,
      });
      task.on('execution:overlap', () => this.options.onProblem('overlap', group));
      this.tasks.set(group, task);
      void this.runGroup(group);
    }
    this.watchClock();
  }

  /** Stops the clock; a cycle in flight finishes (its results are dropped) and nothing new starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.clockWatch);
    await Promise.all([...this.tasks.values()].map((task) => task.destroy()));
    this.tasks.clear();
  }

  /** When each group runs next (the landing page and tests). */
  nextRuns(): Map<Group, Date | null> {
    return new Map([...this.tasks].map(([group, task]) => [group, task.getNextRun()]));
  }

  // node-cron waits for the next tick as a timeout computed from the wall clock: after a step back it would
  // wait as long as the step. Compare the two clocks now and then; on a step, plan every task anew.
  private watchClock(): void {
    const monotonic = this.options.monotonic ?? (() => performance.now());
    let wall = Date.now();
    let mono = monotonic();
    this.clockWatch = setInterval(() => {
      const nowWall = Date.now();
      const nowMono = monotonic();
      const step = nowWall - wall - (nowMono - mono);
      wall = nowWall;
      mono = nowMono;
      if (Math.abs(step) < CLOCK_STEP_MS) return;
      this.options.onProblem('clock-step', undefined, step);
      for (const task of this.tasks.values()) {
        void task.stop();
        void task.start();
      }
    }, CLOCK_WATCH_MS);
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

// node-cron's own messages (overlap warnings, missed ticks) are counted and logged by the daemon instead.
const QUIET = { info() {}, warn() {}, error() {}, debug() {} };
