// The daemon's memory habit: a full GC after each cycle when node exposes gc (the service files run it
// with --expose-gc), so the cycle's promoted garbage does not sit in the old generation until V8 gets to it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { probes } from '../src/probes/index.js';
import { daemonConfig, quietLog } from './helpers.js';

const quiet = quietLog;
const config = daemonConfig();

describe('daemon garbage collection', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('collects once after each finished cycle when gc is exposed, and not before the first', async () => {
    const gc = vi.fn();
    vi.stubGlobal('gc', gc);
    vi.resetModules(); // daemon.ts reads globalThis.gc when it loads
    const { startDaemon } = await import('../src/exporter/daemon.js');
    const daemon = await startDaemon({ config, probes, log: quiet, manual: true });
    try {
      expect(gc).not.toHaveBeenCalled();
      const [group] = daemon.groups;
      if (!group) throw new Error('no group');
      await daemon.schedule.runGroup(group);
      await daemon.schedule.runGroup(group);
      expect(gc).toHaveBeenCalledTimes(2);
      expect(daemon.state.orderedRuns().length).toBe(probes.length);
    } finally {
      await daemon.stop();
    }
  });
});
