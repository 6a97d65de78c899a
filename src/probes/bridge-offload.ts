// bridge-offload: gso/tso/sg/gro on a Linux bridge and its ports (the NIC, the vifs). With them on, the
// kernel passes super-sized packets through the bridge between netback and the NIC, which domUs see as
// stalls, drops or bad checksums; the usual advice is to turn them off on every device on the path.
// It does not require Xen (any bridged host qualifies), but it only matters for domU networking.
// The seed guide makes it conditional ("If encountering poor network performance or if your domU network
// permanently stops working under heavy load..."), and turning them off costs throughput and dom0 CPU, so
// offloads on are advice unless dom0 sees the symptom: xen-netback's ring errors in the kernel log, or
// drops/errors counted on a vif (/sys/class/net/vif*/statistics). Then they are a warning.
import {
  error,
  type Finding,
  fromFindings,
  type MetricSample,
  type Outcome,
  type Probe,
  skip,
} from '../check.js';
import type { Context } from '../context.js';
import { bridges, noBridgeReason } from '../net/bridges.js';
import { findNetbackErrors } from '../parsers/dmesg.js';
import { type EthtoolFeatures, offloadState, parseEthtoolFeatures } from '../parsers/ethtool-features.js';
import {
  ethtoolOffloadOff,
  OFFLOADS,
  type Offload,
  type OffloadPersistence,
  type OffloadTarget,
} from '../remedies/ethtool-offload-off.js';

/** The long names `ethtool -k` prints for the short ones `ethtool --offload` takes. */
const LONG_NAME: Record<Offload, string> = {
  gso: 'generic-segmentation-offload',
  tso: 'tcp-segmentation-offload',
  sg: 'scatter-gather',
  gro: 'generic-receive-offload',
};

interface Device {
  name: string;
  bridge: string;
  role: string;
}

/** What one device's `ethtool -k` says about the four offloads. */
export interface OffloadReport {
  /** On, and `ethtool --offload` can turn them off. */
  changeable: Offload[];
  /** On and [fixed] (or a [fixed] part keeps the group on): reported, never asked to change. */
  fixed: Offload[];
  /** Not listed at all: the output was cut short. */
  missing: Offload[];
  /** "gso on, tso on [fixed], sg off, gro off" */
  text: string;
}

/** Sorts the four offloads of one device's parsed `ethtool -k` into changeable, fixed and missing. */
export function assessOffloads(parsed: EthtoolFeatures): OffloadReport {
  const report: OffloadReport = { changeable: [], fixed: [], missing: [], text: '' };
  const words: string[] = [];
  for (const offload of OFFLOADS) {
    const state = offloadState(parsed, LONG_NAME[offload]);
    if (state === undefined) report.missing.push(offload);
    if (state === 'on') report.changeable.push(offload);
    if (state === 'on-fixed') report.fixed.push(offload);
    words.push(`${offload} ${state === 'on-fixed' ? 'on [fixed]' : (state ?? 'not listed')}`);
  }
  report.text = words.join(', ');
  return report;
}

// Persistence follows the network stack first (ifupdown owns the bridge on Debian and Alpine), then init.
async function persistence(ctx: Context): Promise<OffloadPersistence> {
  if (await ctx.host.exists('/etc/network/interfaces')) return 'ifupdown';
  return (await ctx.initSystem()) === 'openrc' ? 'openrc-local' : 'udev';
}

export const bridgeOffload: Probe = {
  id: 'bridge-offload',
  title: 'bridge offloads (gso/tso/sg/gro)',
  async run(ctx): Promise<Outcome> {
    const found = await bridges(ctx);
    const none = noBridgeReason(found);
    if (none) return skip(none);
    const devices: Device[] = found.bridges.flatMap((b) => [
      { name: b.name, bridge: b.name, role: 'bridge' },
      ...b.ports.map((port) => ({ name: port, bridge: b.name, role: `port of ${b.name}` })),
    ]);
    // All at once: the host seam bounds how many ethtool processes actually run together.
    const answers = await Promise.all(
      devices.map((d) => ctx.parsed(['ethtool', '-k', d.name], parseEthtoolFeatures)),
    );

    const evidence: string[] = [];
    const problems: string[] = [];
    const findings: Finding[] = [];
    const metrics: MetricSample[] = [];
    const targets: OffloadTarget[] = [];
    const keep: OffloadTarget[] = [];
    const fixedOnVifs = new Set<Offload>();
    const fixedNotes: string[] = [];
    let checked = 0;
    for (const [i, device] of devices.entries()) {
      const answer = answers[i];
      if (!answer) continue;
      if (!answer.ok) {
        if (answer.result.notFound) return missingEthtool(ctx, answer.outcome);
        // A vif goes away with its domain: one that vanished since the listing is not a failure.
        if (!(await ctx.host.exists(`/sys/class/net/${device.name}`))) {
          evidence.push(`${device.name} (${device.role}): gone while checking (its domain stopped?)`);
          continue;
        }
        problems.push(device.name);
        evidence.push(answer.outcome.summary, ...answer.outcome.evidence);
        continue;
      }
      const parsed = answer.value;
      if (parsed.device !== device.name) {
        problems.push(device.name);
        evidence.push(`\`ethtool -k ${device.name}\` answered for ${parsed.device}`);
        continue;
      }
      const report = assessOffloads(parsed);
      checked++;
      evidence.push(`${device.name} (${device.role}): ${report.text}`);
      if (report.missing.length > 0) {
        problems.push(device.name);
        evidence.push(
          `\`ethtool -k ${device.name}\` does not list ${report.missing.map((f) => LONG_NAME[f]).join(', ')} (output cut short?)`,
        );
      }
      for (const offload of OFFLOADS) {
        if (report.missing.includes(offload)) continue;
        const on = report.changeable.includes(offload) || report.fixed.includes(offload);
        metrics.push({
          name: 'interface_offload_enabled',
          help: 'Whether an offload (gso, tso, sg, gro) is on for a bridge or bridge port, from ethtool -k (1 = on)',
          labels: { interface: device.name, bridge: device.bridge, feature: offload },
          value: on ? 1 : 0,
        });
      }
      const fixable = OFFLOADS.filter((f) => !report.fixed.includes(f) && !report.missing.includes(f));
      const portOf = device.name === device.bridge ? {} : { portOf: device.bridge };
      keep.push({ device: device.name, features: fixable, ...portOf });
      if (report.fixed.length > 0) fixedNotes.push(`${report.fixed.join('/')} at ${device.name}`);
      if (device.name.startsWith('vif')) for (const f of report.fixed) fixedOnVifs.add(f);
      if (report.changeable.length > 0) {
        targets.push({ device: device.name, features: report.changeable, ...portOf });
        findings.push({
          code: 'offload-on',
          severity: 'advice',
          message: `${device.name} (${device.role}): ${report.changeable.join(', ')} on`,
        });
      }
    }

    if (problems.length > 0) {
      return error(`could not read the offloads of ${problems.join(', ')}`, evidence, metrics);
    }
    // Evidence of the problem the advice is for makes every offload finding a warning.
    if (findings.length > 0) {
      const symptoms = await netbackSymptoms(ctx, devices);
      evidence.push(...symptoms.evidence);
      if (symptoms.seen) for (const f of findings) f.severity = 'warn';
    }
    const fixedText =
      fixedNotes.length > 0 ? `; fixed on, cannot be turned off: ${fixedNotes.join(', ')}` : '';
    return fromFindings({
      findings,
      okSummary: `gso/tso/sg/gro off on ${checked} bridge interface${checked === 1 ? '' : 's'}${fixedText}`,
      summary:
        `offloads on at ${listShort(targets.map((t) => t.device))}, which matters for domU traffic ` +
        `through the bridge${fixedText}`,
      evidence,
      remedies:
        targets.length === 0
          ? []
          : [
              ethtoolOffloadOff({
                now: targets,
                keep,
                vifFeatures: OFFLOADS.filter((f) => !fixedOnVifs.has(f)),
                persistence: await persistence(ctx),
              }),
            ],
      metrics,
    });
  },
};

/** Counters that say a vif lost traffic; nonzero since the vif was created. */
const VIF_COUNTERS = ['tx_dropped', 'rx_errors'] as const;

/**
 * What dom0 can see of the trouble the offload advice is for: xen-netback's ring errors in the kernel log
 * and drops/errors counted on the vifs. `seen` is true when there is any.
 */
async function netbackSymptoms(
  ctx: Context,
  devices: readonly Device[],
): Promise<{ seen: boolean; evidence: string[] }> {
  const evidence: string[] = [];
  let seen = false;
  const dmesg = await ctx.run(['dmesg']);
  if (dmesg.exitCode === 0) {
    const errors = findNetbackErrors(dmesg.stdout);
    if (errors.length > 0) {
      seen = true;
      evidence.push(
        `dmesg: ${errors.length} xen-netback ring error line(s), last: ${errors.at(-1)}`,
        ...(errors.length > 1 ? [`dmesg: first: ${errors[0]}`] : []),
      );
    } else evidence.push('dmesg: no xen-netback ring errors');
  } else {
    // The ring buffer may be unreadable (dmesg_restrict) or rotated: absence of evidence, said so.
    evidence.push(
      `dmesg: unreadable (${dmesg.stderr.trim() || `exit ${dmesg.exitCode}`}), netback errors not searched`,
    );
  }
  const vifs = devices.filter((d) => d.name.startsWith('vif'));
  for (const vif of vifs) {
    for (const counter of VIF_COUNTERS) {
      const text = await ctx.host.readFileIfExists(`/sys/class/net/${vif.name}/statistics/${counter}`);
      const value = text === undefined ? Number.NaN : Number(text.trim());
      if (Number.isInteger(value) && value > 0) {
        seen = true;
        evidence.push(`/sys/class/net/${vif.name}/statistics/${counter} = ${value}`);
      }
    }
  }
  return { seen, evidence };
}

// On a dom0 a bridge carries domU traffic: a missing ethtool leaves the check blind (error, with the
// package). Elsewhere (a bridged host that is not Xen) the offloads do not matter: skip.
async function missingEthtool(ctx: Context, blind: Outcome): Promise<Outcome> {
  if ((await ctx.xen()).underXen && (await ctx.dom0()).isDom0) return blind;
  return skip(
    `${blind.summary}; offloads only matter for domU traffic, and this is not a dom0`,
    blind.evidence,
  );
}

/** "a, b, c" for a few names; "a, b, c, d, e and 123 more" for a host with hundreds of vifs. */
function listShort(names: readonly string[], most = 5): string {
  if (names.length <= most + 1) return names.join(', ');
  return `${names.slice(0, most).join(', ')} and ${names.length - most} more`;
}
