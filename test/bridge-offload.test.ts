import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Context } from '../src/context.js';
import { createHost, type Host } from '../src/host/host.js';
import { bridgeOffload } from '../src/probes/bridge-offload.js';
import {
  ethtoolOffloadOff,
  LOCAL_D_SCRIPT,
  OFFLOADS,
  type OffloadTarget,
  UDEV_RULE,
} from '../src/remedies/ethtool-offload-off.js';
import { runProbe } from '../src/runner.js';
import { fixtureHost, HOSTS, runOn } from './helpers.js';

const ALL_OFF = 'gso off tso off sg off gro off';
const vifRule = (offs: string) =>
  `ACTION=="add", SUBSYSTEM=="net", KERNEL=="vif*", RUN+="/usr/sbin/ethtool --offload $name ${offs}"`;

describe('bridge-offload', () => {
  it('advises on every device of the real dom0 bridge (xenbr0, dummy0, vif1.0: all four on), no symptom', async () => {
    const result = await runOn('dom0-domu-credit2', bridgeOffload);
    expect(result.status).toBe('ok');
    expect(result.findings.map((f) => f.severity)).toEqual(['advice', 'advice', 'advice']);
    expect(result.evidence).toContain('dmesg: no xen-netback ring errors');
    expect(result.findings.map((f) => f.message)).toEqual([
      'xenbr0 (bridge): gso, tso, sg, gro on',
      'dummy0 (port of xenbr0): gso, tso, sg, gro on',
      'vif1.0 (port of xenbr0): gso, tso, sg, gro on',
    ]);
    expect(result.summary).toContain('domU traffic');
    expect(result.evidence).toContain('vif1.0 (port of xenbr0): gso on, tso on, sg on, gro on');
    const [remedy] = result.remedies;
    expect(remedy).toMatchObject({ id: 'ethtool-offload-off', reboot: false });
    expect(remedy?.commands).toEqual([
      `ethtool --offload xenbr0 ${ALL_OFF}`,
      `ethtool --offload dummy0 ${ALL_OFF}`,
      `ethtool --offload vif1.0 ${ALL_OFF}`,
    ]);
    expect(remedy?.actions?.map((a) => a.argv.join(' '))).toEqual(remedy?.commands);
    // systemd and no /etc/network/interfaces in the fixture: the udev rule also covers the bridge and NIC.
    const rule = remedy?.files.find((f) => f.path === UDEV_RULE)?.edit;
    expect(rule?.kind).toBe('write-file');
    const content = rule?.kind === 'write-file' ? rule.content : '';
    expect(content.split('\n')).toEqual(
      expect.arrayContaining([
        vifRule(ALL_OFF),
        `ACTION=="add", SUBSYSTEM=="net", KERNEL=="xenbr0", RUN+="/usr/sbin/ethtool --offload $name ${ALL_OFF}"`,
        `ACTION=="add", SUBSYSTEM=="net", KERNEL=="dummy0", RUN+="/usr/sbin/ethtool --offload $name ${ALL_OFF}"`,
      ]),
    );
  });

  it('emits interface_offload_enabled per device and feature', async () => {
    const result = await runOn('dom0-domu-credit2', bridgeOffload);
    expect(result.metrics).toHaveLength(12);
    expect(result.metrics.every((m) => m.name === 'interface_offload_enabled' && m.value === 1)).toBe(true);
    expect(result.metrics[11]?.labels).toEqual({ interface: 'vif1.0', bridge: 'xenbr0', feature: 'gro' });
  });

  it('checks only the bridge and the NIC on a real dom0 with no domain running', async () => {
    const result = await runOn('dom0-credit2', bridgeOffload);
    expect(result.status).toBe('ok');
    expect(result.findings.every((f) => f.severity === 'advice')).toBe(true);
    expect(result.remedies[0]?.commands).toEqual([
      `ethtool --offload xenbr0 ${ALL_OFF}`,
      `ethtool --offload dummy0 ${ALL_OFF}`,
    ]);
  });

  it('is ok when every offload is off, and a vif gone mid-check is not an error', async () => {
    const result = await runOn('made-up-offload-off', bridgeOffload);
    expect(result.status).toBe('ok');
    expect(result.summary).toBe('gso/tso/sg/gro off on 3 bridge interfaces');
    expect(result.evidence).toContain('vif4.0 (port of xenbr0): gone while checking (its domain stopped?)');
    expect(result.remedies).toEqual([]);
    expect(result.metrics).toHaveLength(12);
    expect(result.metrics.every((m) => m.value === 0)).toBe(true);
  });

  it('skips without a bridge, without running ethtool', async () => {
    const result = await runOn('made-up-no-bridge', bridgeOffload);
    expect(result).toMatchObject({ status: 'skip', summary: 'no Linux bridge on this host' });
  });

  it('runs without Xen: a bridged host that is not a dom0 is still checked', async () => {
    const result = await runOn('no-xen', bridgeOffload);
    expect(result.status).toBe('ok');
    expect(result.findings.map((f) => f.severity)).toContain('advice');
    expect(result.remedies.map((r) => r.id)).toEqual(['ethtool-offload-off']);
  });

  it('reports [fixed] offloads as evidence and never asks to change them', async () => {
    const result = await runOn('made-up-offload-fixed', bridgeOffload);
    expect(result.status).toBe('ok');
    expect(result.findings.map((f) => f.message)).toEqual([
      'xenbr0 (bridge): gro on',
      'vif2.0 (port of xenbr0): gso, sg, gro on',
    ]);
    expect(result.evidence).toContain(
      'eth0 (port of xenbr0): gso off, tso on [fixed], sg on [fixed], gro off',
    );
    expect(result.summary).toContain('; fixed on, cannot be turned off: tso/sg at eth0, tso at vif2.0');
    const remedy = result.remedies[0];
    expect(remedy?.commands).toEqual([
      'ethtool --offload xenbr0 gro off',
      'ethtool --offload vif2.0 gso off sg off gro off',
    ]);
    // The vif rule leaves tso alone: vifs share a driver, and it is fixed on this one.
    const rule = remedy?.files[0]?.edit;
    expect(rule?.kind === 'write-file' && rule.content).toContain(vifRule('gso off sg off gro off'));
    // ifupdown owns the bridge here: post-up lines, described for a person (no edit). They cover every
    // offload that is not fixed, on or off now, so a later fix never drops what an earlier one asked for.
    expect(remedy?.files.slice(1)).toEqual([
      {
        path: '/etc/network/interfaces',
        change: `in the "iface xenbr0" stanza add: post-up /usr/sbin/ethtool --offload $IFACE ${ALL_OFF}`,
      },
      {
        path: '/etc/network/interfaces',
        change:
          'in the "iface eth0" stanza add: post-up /usr/sbin/ethtool --offload $IFACE gso off gro off' +
          ' (if it has no stanza of its own: in the "iface xenbr0" stanza, with eth0 for $IFACE)',
      },
    ]);
    const tso = (dev: string) =>
      result.metrics.find((m) => m.labels.interface === dev && m.labels.feature === 'tso')?.value;
    expect([tso('xenbr0'), tso('eth0'), tso('vif2.0')]).toEqual([0, 1, 1]);
  });

  it('reports error with an excerpt when ethtool prints garbage or is cut short', async () => {
    const result = await runOn('made-up-ethtool-garbage', bridgeOffload);
    expect(result.status).toBe('error');
    expect(result.summary).toBe('could not read the offloads of eth0, vif5.0');
    const evidence = result.evidence.join('\n');
    expect(evidence).toContain('tx-checksum-ipv4: off [fix');
    expect(evidence).toContain('Segmentation fault');
    expect(evidence).toContain('xenbr0 (bridge): gso off, tso off, sg off, gro off');
    expect(result.metrics.map((m) => m.labels.interface)).toEqual(['xenbr0', 'xenbr0', 'xenbr0', 'xenbr0']);
  });

  it('is an error naming the search path and the package when ethtool is missing on a dom0', async () => {
    const host = createHost({ root: path.join(HOSTS, 'dom0-domu-credit2'), path: ['/nonexistent'] });
    const result = await runProbe(new Context(host), bridgeOffload);
    expect(result).toMatchObject({ status: 'error', summary: 'ethtool not found on PATH=/nonexistent' });
    expect(result.evidence.join('\n')).toContain(
      'install: Debian, Ubuntu, Alpine and Fedora: ethtool; Gentoo: sys-apps/ethtool',
    );
  });

  it('skips when ethtool is missing on a bridged host that is not a dom0 (offloads only matter to domUs)', async () => {
    const host = createHost({ root: path.join(HOSTS, 'no-xen'), path: ['/nonexistent'] });
    const result = await runProbe(new Context(host), bridgeOffload);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('ethtool not found on PATH=/nonexistent');
  });

  it('warns when xen-netback logged a ring error (made-up-netback-errors)', async () => {
    const result = await runOn('made-up-netback-errors', bridgeOffload);
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([
      ['offload-on', 'warn'],
      ['offload-on', 'warn'],
      ['offload-on', 'warn'],
    ]);
    expect(result.evidence).toContain(
      'dmesg: 2 xen-netback ring error line(s), last: [  501.840828] vif vif-1-0 vif1.0: fatal error; disabling device',
    );
    expect(result.remedies[0]?.note).toContain('costs throughput and dom0 CPU');
  });

  it('warns when a vif counts dropped packets (made-up-vif-drops)', async () => {
    const result = await runOn('made-up-vif-drops', bridgeOffload);
    expect(result.status).toBe('warn');
    expect(result.evidence).toContain('/sys/class/net/vif1.0/statistics/tx_dropped = 4711');
    expect(result.evidence).toContain('dmesg: no xen-netback ring errors');
  });

  it('asks for every device at once (the host seam, not the probe, bounds concurrency)', async () => {
    const real = fixtureHost('dom0-domu-credit2', { maxConcurrent: 2 });
    let running = 0;
    let most = 0;
    const argvs: string[] = [];
    const counting: Host = {
      ...real,
      async run(argv, opts) {
        argvs.push(argv.join(' '));
        running++;
        most = Math.max(most, running);
        try {
          return await real.run(argv, opts);
        } finally {
          running--;
        }
      },
    };
    await runProbe(new Context(counting), bridgeOffload);
    // dmesg comes after, for the netback symptoms.
    expect(argvs.sort()).toEqual(['dmesg', 'ethtool -k dummy0', 'ethtool -k vif1.0', 'ethtool -k xenbr0']);
    expect(most).toBe(3);
  });
});

describe('ethtool-offload-off', () => {
  it('on OpenRC without ifupdown, writes a local.d script for the bridge and the NIC', () => {
    const now: OffloadTarget[] = [
      { device: 'br0', features: ['gso', 'gro'] },
      { device: 'vif7.0', features: ['gso', 'tso', 'sg', 'gro'] },
    ];
    const keep: OffloadTarget[] = [
      { device: 'br0', features: ['gso', 'tso', 'gro'] },
      { device: 'eth1', features: ['gso', 'tso', 'sg', 'gro'], portOf: 'br0' },
      { device: 'vif7.0', features: ['gso', 'tso', 'sg', 'gro'], portOf: 'br0' },
    ];
    const remedy = ethtoolOffloadOff({ now, keep, vifFeatures: OFFLOADS, persistence: 'openrc-local' });
    expect(remedy.files.map((f) => f.path)).toEqual([UDEV_RULE, LOCAL_D_SCRIPT]);
    expect(remedy.files[1]?.edit).toEqual({
      kind: 'write-file',
      content:
        '#!/bin/sh\n# Written by xendoctor (remedy ethtool-offload-off).\n' +
        '/usr/sbin/ethtool --offload br0 gso off tso off gro off\n' +
        `/usr/sbin/ethtool --offload eth1 ${ALL_OFF}\n`,
      mode: 0o755,
    });
    expect(remedy.commands).toEqual([
      'ethtool --offload br0 gso off gro off',
      `ethtool --offload vif7.0 ${ALL_OFF}`,
      `chmod +x ${LOCAL_D_SCRIPT}`,
      'rc-update add local default',
    ]);
    // Only the ethtool commands are actions fix may run; the rest stay printed instructions.
    expect(remedy.actions).toHaveLength(2);
    expect(remedy.note).toContain('/etc/local.d');
  });

  it('with ifupdown, tells where a port without a stanza of its own gets its post-up line', () => {
    const eth0: OffloadTarget = { device: 'eth0', features: ['tso'], portOf: 'xenbr0' };
    const remedy = ethtoolOffloadOff({
      now: [eth0],
      keep: [eth0],
      vifFeatures: OFFLOADS,
      persistence: 'ifupdown',
    });
    expect(remedy.files[1]).toEqual({
      path: '/etc/network/interfaces',
      change:
        'in the "iface eth0" stanza add: post-up /usr/sbin/ethtool --offload $IFACE tso off' +
        ' (if it has no stanza of its own: in the "iface xenbr0" stanza, with eth0 for $IFACE)',
    });
  });

  it('with only vifs to fix, adds no bridge or NIC mechanism', () => {
    const vif: OffloadTarget = { device: 'vif1.0', features: ['tso'], portOf: 'xenbr0' };
    const remedy = ethtoolOffloadOff({
      now: [vif],
      keep: [vif],
      vifFeatures: OFFLOADS,
      persistence: 'ifupdown',
    });
    expect(remedy.files.map((f) => f.path)).toEqual([UDEV_RULE]);
  });
});
