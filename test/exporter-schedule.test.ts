// The daemon's clock: ticks on multiples of the interval on the local clock (as a cron `*/N` fires), one
// run per tick, nothing after stop().
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ok, type Probe } from '../src/check.js';
import { defaultSettings } from '../src/context.js';
import { delayToNextTick, groupProbes, Schedule } from '../src/exporter/schedule.js';
import { fixtureHost } from './helpers.js';

// Local wall-clock times, so the expectations hold in any time zone.
const at = (h: number, m: number, s: number, ms = 0) => new Date(2026, 0, 5, h, m, s, ms).getTime();

describe('delayToNextTick', () => {
  it('waits for the next multiple of the interval on the local clock, strictly after now', () => {
    expect(delayToNextTick(15, at(12, 0, 7, 250))).toBe(7750);
    expect(delayToNextTick(15, at(12, 0, 15))).toBe(15_000); // on a tick: the next one
    expect(delayToNextTick(1, at(12, 0, 0, 999))).toBe(1);
    expect(delayToNextTick(60, at(12, 0, 59, 500))).toBe(500);
    expect(delayToNextTick(300, at(12, 3, 0))).toBe(120_000);
    expect(delayToNextTick(7200, at(13, 30, 0))).toBe(30 * 60_000);
    expect(delayToNextTick(86400, at(23, 0, 0))).toBe(3600_000);
  });
});

describe('Schedule clock', () => {
  afterEach(() => vi.useRealTimers());

  it('runs each group at start and then once per tick, and stops ticking after stop()', async () => {
    vi.useFakeTimers({ now: at(12, 0, 0, 400) });
    const probe: Probe = { id: 'p', title: 'p', run: async () => ok('fine') };
    const groups = groupProbes([probe], 1, {});
    const schedule = new Schedule({
      groups,
      settings: defaultSettings,
      host: () => fixtureHost('dom0-domu-credit2'),
      onCycle: () => {},
      onProblem: () => {},
    });
    const times: number[] = [];
    vi.spyOn(schedule, 'runGroup').mockImplementation(async () => {
      times.push(Date.now());
    });
    schedule.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(times).toEqual([at(12, 0, 0, 400), at(12, 0, 1), at(12, 0, 2), at(12, 0, 3)]);
    await schedule.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(times).toHaveLength(4);
  });

  it('refuses an interval no clock tick can keep (not dividing a minute, an hour or a day)', () => {
    const probe: Probe = { id: 'p', title: 'p', run: async () => ok('fine') };
    const schedule = new Schedule({
      groups: [{ intervalSeconds: 45, probes: [probe] }],
      settings: defaultSettings,
      host: () => fixtureHost('dom0-domu-credit2'),
      onCycle: () => {},
      onProblem: () => {},
    });
    expect(() => schedule.start()).toThrow(/no schedule for 45 s/);
  });
});
