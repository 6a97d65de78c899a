import { describe, expect, it } from 'vitest';
import { startDaemon } from '../src/exporter/daemon.js';
import { KernelLogFollower, MAX_DEVICES, uptimeUs } from '../src/exporter/kernel-log.js';
import { domains } from '../src/probes/domains.js';
import { daemonConfig, fixtureHost, quietLog } from './helpers.js';

const HOST = 'made-up-kmsg';

describe('KernelLogFollower', () => {
  it('counts the events after the start in a file standing for /dev/kmsg, read once', async () => {
    const host = fixtureHost(HOST);
    const follower = new KernelLogFollower(quietLog, { sinceUs: await uptimeUs(host) });
    await follower.follow(host, new AbortController().signal);
    expect(Object.fromEntries(follower.counts())).toEqual({
      'netback_error\tvif1.0': 1,
      // The 350 s record came before the daemon's start (uptime 400 s): one, not two.
      'netback_fatal\tvif1.0': 1,
      'netback_fatal\tvif3.0': 1,
      'blkback_error\tvbd-5-51760': 1,
      'xenbus_timeout\tvbd-5-51760': 1,
    });
    expect(follower.malformed).toBe(1);
  });

  it('counts everything without a start time, and a record split across reads once', () => {
    const follower = new KernelLogFollower(quietLog);
    follower.ingest('3,1,10,-;vif vif-1-0 vif1.0: fatal er');
    follower.ingest('ror; disabling device\n SUBSYSTEM=xen-backend\n');
    expect(Object.fromEntries(follower.counts())).toEqual({ 'netback_fatal\tvif1.0': 1 });
  });

  it(`keeps the device label bounded: past ${MAX_DEVICES} devices new ones are "other"`, () => {
    const follower = new KernelLogFollower(quietLog);
    for (let domid = 1; domid <= MAX_DEVICES + 10; domid++) {
      follower.ingest(`3,${domid},10,-;vif vif-${domid}-0 vif${domid}.0: fatal error; disabling device\n`);
    }
    const counts = follower.counts();
    expect(counts.size).toBe(MAX_DEVICES + 1);
    expect(counts.get('netback_fatal\tother')).toBe(10);
  });

  it('stays empty and quiet on a host without /dev/kmsg', async () => {
    const follower = new KernelLogFollower(quietLog);
    await follower.follow(fixtureHost('dom0-domu-credit2'), new AbortController().signal);
    expect(follower.counts().size).toBe(0);
  });
});

describe('serve publishes the kernel log events', () => {
  it('as xendoctor_kernel_log_events_total{event,device} counters with the next cycle', async () => {
    const daemon = await startDaemon({
      config: daemonConfig({}, HOST),
      probes: [domains],
      log: quietLog,
      manual: true,
    });
    try {
      const base = `http://127.0.0.1:${daemon.address.port}`;
      // The file is read to its end, then a cycle publishes the counts.
      await daemon.following;
      await daemon.schedule.runGroup(daemon.groups[0]!);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toMatch(/^# TYPE xendoctor_kernel_log_events_total counter$/m);
      expect(text).toContain('xendoctor_kernel_log_events_total{event="netback_fatal",device="vif1.0"} 1');
      expect(text).toContain(
        'xendoctor_kernel_log_events_total{event="xenbus_timeout",device="vbd-5-51760"} 1',
      );
    } finally {
      await daemon.stop();
    }
  });
});
