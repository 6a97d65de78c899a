// The daemon's clock is node-cron: groups tick on their cron expression (an interval becomes `*/N`), one run
// per tick, skipped ticks counted, nothing after stop(); and the wall clock may step (NTP, an admin, DST)
// without a burst of runs or an hour of silence. Fake timers drive it; a step is vi.setSystemTime, which
// moves the wall clock and not the timers or performance.now (the monotonic clock).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ok, type Probe } from '../src/check.js';
import { ConfigError } from '../src/config.js';
import { defaultSettings } from '../src/context.js';
import { CLOCK_WATCH_MS, type Group, groupProbes, type Problem, Schedule } from '../src/exporter/schedule.js';
import { fixtureHost } from './helpers.js';

// Local wall-clock times, so the expectations hold in any time zone.
const at = (h: number, m: number, s: number, ms = 0) => new Date(2026, 0, 5, h, m, s, ms).getTime();
const probe = (id: string): Probe => ({ id, title: id, run: async () => ok('fine') });
const HOUR = 3_600_000;

/** A schedule whose cycles are recorded (time of each run) instead of run. */
function recorded(groups: Group[], timezone?: string) {
  const times: number[] = [];
  const problems: Array<[Problem, unknown]> = [];
  const schedule = new Schedule({
    groups,
    settings: defaultSettings,
    host: () => fixtureHost('dom0-domu-credit2'),
    onCycle: () => {},
    onProblem: (what, _group, detail) => problems.push([what, detail]),
    ...(timezone ? { timezone } : {}),
  });
  vi.spyOn(schedule, 'runGroup').mockImplementation(async () => {
    times.push(Date.now());
  });
  return { schedule, times, problems };
}

describe('groupProbes', () => {
  it('groups by interval or cron expression, the default group first, disabled probes left out', () => {
    const groups = groupProbes([probe('a'), probe('b'), probe('c'), probe('d'), probe('e')], 60, {
      b: { enabled: false },
      c: { enabled: true, intervalSeconds: 300 },
      d: { enabled: true, cron: '0 0 3 * * *' },
      e: { enabled: true, cron: '0 0 3 * * *' },
    });
    expect(groups.map((g) => [g.cron, g.timezone, g.intervalSeconds, g.probes.map((p) => p.id)])).toEqual([
      // Intervals in UTC (no DST); a cron expression in local time.
      ['0 */1 * * * *', 'UTC', 60, ['a']],
      ['0 */5 * * * *', 'UTC', 300, ['c']],
      // Daily: /healthz allows three days without a cycle.
      ['0 0 3 * * *', undefined, 86_400, ['d', 'e']],
    ]);
  });

  it('refuses a cron expression node-cron does not accept, naming the check, and an interval no tick keeps', () => {
    expect(() => groupProbes([probe('a')], 60, { a: { enabled: true, cron: '0 0 25 * * *' } })).toThrow(
      ConfigError,
    );
    expect(() => groupProbes([probe('a')], 60, { a: { enabled: true, cron: 'daily' } })).toThrow(
      /checks\.a\.schedule: not a cron expression node-cron accepts: "daily"/,
    );
    expect(() => groupProbes([probe('a')], 45, {})).toThrow(/no schedule for 45 s/);
  });
});

describe('Schedule clock (node-cron)', () => {
  afterEach(() => vi.useRealTimers());

  it('runs each group at start and then once per tick, and stops ticking after stop()', async () => {
    vi.useFakeTimers({ now: at(12, 0, 0, 400) });
    const { schedule, times } = recorded(groupProbes([probe('p')], 1, {}));
    schedule.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(times).toEqual([at(12, 0, 0, 400), at(12, 0, 1), at(12, 0, 2), at(12, 0, 3)]);
    await schedule.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(times).toHaveLength(4);
  });

  it('runs a daily cron group at its hour (kernel-config at 03:00), besides once at start', async () => {
    vi.useFakeTimers({ now: at(12, 0, 0) });
    const groups = groupProbes([probe('kernel-config')], 60, {
      'kernel-config': { enabled: true, cron: '0 0 3 * * *' },
    });
    const { schedule, times } = recorded(groups);
    schedule.start();
    expect(
      schedule
        .nextRuns()
        .get(groups[0] as Group)
        ?.getTime(),
    ).toBe(at(27, 0, 0));
    await vi.advanceTimersByTimeAsync(48 * HOUR);
    expect(times).toEqual([at(12, 0, 0), at(27, 0, 0), at(51, 0, 0)]);
    await schedule.stop();
  });

  it('counts the ticks skipped while a cycle is still running, and runs again once it ends', async () => {
    vi.useFakeTimers({ now: at(12, 0, 0, 500) });
    const problems: Problem[] = [];
    const [group] = groupProbes([probe('slow')], 1, {});
    const schedule = new Schedule({
      groups: [group as Group],
      settings: defaultSettings,
      host: () => fixtureHost('dom0-domu-credit2'),
      onCycle: () => {},
      onProblem: (what) => problems.push(what),
    });
    const starts: number[] = [];
    // Each cycle takes 2.5 s: of the ticks at :01..:05, two fall inside the first cycle.
    vi.spyOn(schedule, 'runGroup').mockImplementation(async () => {
      starts.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    });
    schedule.start();
    await vi.advanceTimersByTimeAsync(5_000);
    // Started at :00.5 (start), :01 (cron; the start run is not cron's own), then :04 (after :01's ended at
    // :03.5); :02, :03 and :05 (inside :04's run) were skipped as overlaps.
    expect(starts).toEqual([at(12, 0, 0, 500), at(12, 0, 1), at(12, 0, 4)]);
    expect(problems.filter((p) => p === 'overlap')).toHaveLength(3);
    await schedule.stop();
  });

  it('after the wall clock steps forward by an hour, runs once (not once per missed tick) and keeps ticking', async () => {
    vi.useFakeTimers({ now: at(12, 0, 0, 400) });
    const { schedule, times } = recorded(groupProbes([probe('p')], 15, {}));
    schedule.start();
    await vi.advanceTimersByTimeAsync(20_000); // start and 12:00:15
    expect(times).toEqual([at(12, 0, 0, 400), at(12, 0, 15)]);
    vi.setSystemTime(Date.now() + HOUR);
    await vi.advanceTimersByTimeAsync(60_000);
    const after = times.slice(2);
    // The tick at 12:00:30 fires at 13:00:25 by the new clock and finds 240 ticks missed: none is run
    // late; from then on every 15 s on the new clock.
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after.length).toBeLessThanOrEqual(5);
    for (const time of after) expect(time % 15_000).toBe(0);
    await schedule.stop();
  });

  it('after the wall clock steps back by an hour, goes on ticking on the new clock (metrics stay fresh)', async () => {
    vi.useFakeTimers({ now: at(12, 0, 0, 400) });
    const { schedule, times, problems } = recorded(groupProbes([probe('p')], 15, {}));
    schedule.start();
    await vi.advanceTimersByTimeAsync(20_000);
    vi.setSystemTime(Date.now() - HOUR);
    await vi.advanceTimersByTimeAsync(60_000 + CLOCK_WATCH_MS);
    const after = times.slice(2);
    // Without the clock watch node-cron would wait for 12:00:30, an hour away.
    expect(after.length).toBeGreaterThanOrEqual(4);
    for (const time of after) {
      expect(time % 15_000).toBe(0);
      expect(time).toBeLessThan(at(11, 2, 0));
    }
    expect(problems.filter(([what]) => what === 'clock-step')).toEqual([
      ['clock-step', expect.closeTo(-HOUR, -4)],
    ]);
    await schedule.stop();
  });

  for (const [name, utcStart] of [
    // Europe/Berlin: 03:00 CEST becomes 02:00 CET at 01:00 UTC (an hour repeats)...
    ['falls back', Date.UTC(2026, 9, 25, 0, 40)],
    // ...and 02:00 CET becomes 03:00 CEST at 01:00 UTC (an hour is skipped).
    ['springs forward', Date.UTC(2026, 2, 29, 0, 40)],
  ] as const) {
    it(`keeps a 5-minute group every 5 minutes of real time when the local clock ${name} (DST)`, async () => {
      vi.useFakeTimers({ now: utcStart });
      // Europe/Berlin as the local zone of cron expressions; the interval is planned in UTC regardless
      // (planned in local time, node-cron 4.6 waits 65 minutes across the autumn change).
      const { schedule, times } = recorded(groupProbes([probe('p')], 300, {}), 'Europe/Berlin');
      schedule.start();
      await vi.advanceTimersByTimeAsync(HOUR);
      const gaps = times.slice(1).map((time, i) => (time - (times[i] as number)) / 60_000);
      expect(gaps).toEqual(Array(12).fill(5));
      await schedule.stop();
    });
  }

  it('runs a daily 03:00 cron group once a day at 03:00 local time across both DST changes', async () => {
    for (const [day, expected] of [
      // 24 Oct 03:00 CEST, 25 Oct 03:00 CET (the day is 25 h long), 26 Oct 03:00 CET.
      [
        Date.UTC(2026, 9, 23, 12),
        [Date.UTC(2026, 9, 24, 1), Date.UTC(2026, 9, 25, 2), Date.UTC(2026, 9, 26, 2)],
      ],
      // 28 Mar 03:00 CET, 29 Mar 03:00 CEST (the day is 23 h long), 30 Mar 03:00 CEST.
      [
        Date.UTC(2026, 2, 27, 12),
        [Date.UTC(2026, 2, 28, 2), Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 2, 30, 1)],
      ],
    ] as const) {
      vi.useFakeTimers({ now: day });
      const groups = groupProbes([probe('kernel-config')], 60, {
        'kernel-config': { enabled: true, cron: '0 0 3 * * *' },
      });
      const { schedule, times } = recorded(groups, 'Europe/Berlin');
      schedule.start();
      await vi.advanceTimersByTimeAsync(72 * HOUR);
      expect(times.slice(1)).toEqual(expected);
      await schedule.stop();
      vi.useRealTimers();
    }
  });
});
