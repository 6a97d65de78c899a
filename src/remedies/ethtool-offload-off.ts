import type { Remedy, RemedyAction, RemedyFile } from '../check.js';
import { interfaceName, refusal, shellJoin, shellQuote, udevMatchValue } from './quote.js';

/** The offloads bridge-offload looks at, in the order `ethtool --offload` is given them. */
export const OFFLOADS = ['gso', 'tso', 'sg', 'gro'] as const;
export type Offload = (typeof OFFLOADS)[number];

/** A device with offloads to turn off: only those that are on and not [fixed]. */
export interface OffloadTarget {
  device: string;
  features: Offload[];
  /** The bridge this device is a port of (undefined for the bridge itself). */
  portOf?: string;
}

/**
 * How the bridge and the NIC get their offloads turned off at every boot (vifs always use the udev rule):
 * - ifupdown: /etc/network/interfaces exists (Debian, Alpine's ifupdown-ng): a post-up line per stanza.
 * - openrc-local: OpenRC without ifupdown (Gentoo netifrc): a script in /etc/local.d.
 * - udev: anything else (systemd-networkd, NetworkManager): one more line in the same udev rule.
 */
export type OffloadPersistence = 'ifupdown' | 'openrc-local' | 'udev';

export const UDEV_RULE = '/etc/udev/rules.d/90-xendoctor-offload.rules';
export const LOCAL_D_SCRIPT = '/etc/local.d/xendoctor-offload.start';
const ETHTOOL = '/usr/sbin/ethtool';

const offArgs = (features: readonly Offload[]): string[] => features.flatMap((f) => [f, 'off']);
const udevLine = (kernel: string, features: readonly Offload[]): string =>
  `ACTION=="add", SUBSYSTEM=="net", KERNEL=="${kernel}", RUN+="${ETHTOOL} --offload $name ${offArgs(features).join(' ')}"`;

/** What to turn off now, and what to keep off after a reboot. */
export interface OffloadPlan {
  /** Devices with offloads on now, and which: `ethtool --offload` runs on each. */
  now: readonly OffloadTarget[];
  /**
   * Every bridge and non-vif port with all its offloads that are not [fixed], on or off now: the files
   * must not depend on what happens to be on, or a second fix would drop lines the first one wrote.
   */
  keep: readonly OffloadTarget[];
  /** Offloads the udev rule turns off on every new vif: all four unless a running vif has one [fixed]. */
  vifFeatures: readonly Offload[];
  persistence: OffloadPersistence;
}

/**
 * Turns gso/tso/sg/gro off now on each device (`ethtool --offload <dev> gso off tso off sg off gro off`,
 * no reboot) and keeps them off: a udev rule for vifs, and one mechanism per network stack for the bridge
 * and the NIC (see OffloadPersistence).
 */
export function ethtoolOffloadOff(plan: OffloadPlan): Remedy {
  const { persistence, vifFeatures } = plan;
  // Device names come from the host (a vifname= or `ip link set name` picks them): a name the kernel would
  // not allow did not come from it and is left out; the others are quoted wherever they are written.
  const refused = new Map<string, string>();
  const valid = (t: OffloadTarget): boolean => {
    const reason = refusal(() => interfaceName(t.device));
    if (reason) refused.set(t.device, reason);
    return reason === undefined;
  };
  const actions: RemedyAction[] = plan.now.filter(valid).map((t) => ({
    argv: ['ethtool', '--offload', t.device, ...offArgs(t.features)],
  }));
  const commands = actions.map((a) => shellJoin(a.argv));
  // vifs are created and destroyed with their domains: only a rule that fires on each new vif keeps up.
  let persistent = plan.keep.filter((t) => !t.device.startsWith('vif') && t.features.length > 0 && valid(t));
  if (persistence === 'udev') {
    persistent = persistent.filter((t) => {
      const reason = refusal(() => udevMatchValue(t.device));
      if (reason) refused.set(t.device, `${reason}; rename it or turn its offloads off by hand`);
      return reason === undefined;
    });
  }
  const rule = [
    '# Written by xendoctor (remedy ethtool-offload-off): Xen vifs appear with offloads on each time a',
    '# domain starts; turn them off as they are created.',
    udevLine('vif*', vifFeatures),
  ];
  const files: RemedyFile[] = [];
  if (persistence === 'udev') {
    rule.push(...persistent.map((t) => udevLine(t.device, t.features)));
  } else if (persistence === 'ifupdown') {
    for (const t of persistent) {
      files.push({
        path: '/etc/network/interfaces',
        change:
          `in the "iface ${t.device}" stanza add: post-up ${ETHTOOL} --offload $IFACE ${offArgs(t.features).join(' ')}` +
          (t.portOf
            ? ` (if it has no stanza of its own: in the "iface ${t.portOf}" stanza, with ${t.device} for $IFACE)`
            : ''),
      });
    }
  } else if (persistent.length > 0) {
    const script = persistent.map(
      (t) => `${ETHTOOL} --offload ${shellQuote(t.device)} ${offArgs(t.features).join(' ')}`,
    );
    files.push({
      path: LOCAL_D_SCRIPT,
      change: 'a boot script that turns the offloads off again (OpenRC "local" service)',
      edit: {
        kind: 'write-file',
        content: `#!/bin/sh\n# Written by xendoctor (remedy ethtool-offload-off).\n${script.join('\n')}\n`,
        mode: 0o755, // OpenRC's local service runs only executable *.start scripts
      },
    });
    commands.push(`chmod +x ${LOCAL_D_SCRIPT}`, 'rc-update add local default');
  }
  files.unshift({
    path: UDEV_RULE,
    change:
      persistence === 'udev' && persistent.length > 0
        ? `a udev rule that turns the offloads off on every new vif and on ${persistent.map((t) => t.device).join(', ')}`
        : 'a udev rule that turns the offloads off on every new vif',
    edit: { kind: 'write-file', content: `${rule.join('\n')}\n` },
  });
  const refusedNote =
    refused.size > 0
      ? ` Left out, as these names cannot be written safely: ${[...refused.values()].join('; ')}.`
      : '';
  return {
    id: 'ethtool-offload-off',
    title: 'Turn off gso/tso/sg/gro on the bridge, the NIC and the vifs',
    commands,
    files,
    reboot: false,
    actions,
    note:
      'Offloads let super-sized packets cross the bridge between netback and the NIC (stalls, drops or bad ' +
      'checksums in domUs); the seed guide advises turning them off "if encountering poor network performance ' +
      'or if your domU network permanently stops working under heavy load". Cost: with them off the kernel ' +
      'segments and checksums in software, which costs throughput and dom0 CPU, most on the physical NIC: try ' +
      'the vifs and the bridge first, and the NIC only if the errors persist. ' +
      'The commands act now, the files keep it so after a reboot. The udev rule covers ' +
      'vifs of domains started later (vifname= needs its own KERNEL match; without udev, e.g. mdev, add the ' +
      'ethtool line to the vif hotplug script); on OpenRC (Gentoo, Alpine) without ifupdown, the bridge and ' +
      `NIC lines go in ${LOCAL_D_SCRIPT} (chmod +x; rc-update add local default).` +
      refusedNote,
  };
}
