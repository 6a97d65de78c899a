// Per-device counters of the backends dom0 runs for its guests, read from sysfs through the host seam (no
// process): each vif's /sys/class/net/vifD.N/statistics/* and each VBD's
// /sys/bus/xen-backend/devices/vbd-D-N/statistics/*, mapped to the domain's name by domid.
import type { MetricSample } from '../check.js';
import type { Host } from '../host/host.js';
import { ParseError } from '../parsers/parse-error.js';
import { parseSysfsCounter, parseVbdName, parseVifName, vbdDeviceName } from '../parsers/xen-backend.js';

const NET = '/sys/class/net';
const BACKEND = '/sys/bus/xen-backend/devices';
/** Xen's blkif sector is 512 bytes whatever the disk's own sector size. */
const SECTOR_BYTES = 512;

// The series' names and help texts are built once here, not per device and cycle: a 64-domain host reads
// ~1,400 counters a cycle (docs/performance.md).
interface Counter {
  file: string;
  name: string;
  help: string;
  scale?: number;
}

// A vif's statistics are dom0's view of the backend interface: what dom0 receives (rx_*) is what the
// guest transmits. The series are named from the domain's side (xentop's NETTX/NETRX are dom0's side).
const VIF_COUNTERS: readonly Counter[] = (
  [
    { file: 'rx_bytes', name: 'transmit_bytes', help: 'Bytes the domain sent on the interface' },
    { file: 'tx_bytes', name: 'receive_bytes', help: 'Bytes the domain was sent on the interface' },
    { file: 'rx_packets', name: 'transmit_packets', help: 'Packets the domain sent on the interface' },
    { file: 'tx_packets', name: 'receive_packets', help: 'Packets the domain was sent on the interface' },
    { file: 'rx_errors', name: 'transmit_errors', help: 'Errors on packets from the domain' },
    { file: 'tx_errors', name: 'receive_errors', help: 'Errors on packets to the domain' },
    { file: 'rx_dropped', name: 'transmit_drops', help: 'Packets from the domain dropped by dom0' },
    { file: 'tx_dropped', name: 'receive_drops', help: 'Packets to the domain dropped by dom0' },
  ] as Counter[]
).map((c) => ({
  ...c,
  name: `domain_network_${c.name}_total`,
  help: `${c.help} (${NET}/vifD.N/statistics/${c.file}, dom0's side of the backend).`,
}));

const VBD_COUNTERS: readonly Counter[] = (
  [
    { file: 'rd_req', name: 'read_requests', help: 'Read requests blkback served for the disk' },
    { file: 'wr_req', name: 'write_requests', help: 'Write requests blkback served for the disk' },
    { file: 'rd_sect', name: 'read_bytes', help: 'Bytes read (rd_sect x 512)', scale: SECTOR_BYTES },
    { file: 'wr_sect', name: 'written_bytes', help: 'Bytes written (wr_sect x 512)', scale: SECTOR_BYTES },
    {
      file: 'oo_req',
      name: 'out_of_requests',
      help: 'Times blkback found the ring full (out of requests): the disk is saturated',
    },
    { file: 'f_req', name: 'flush_requests', help: 'Flush and barrier requests' },
  ] as Counter[]
).map((c) => ({
  ...c,
  name: `domain_block_${c.name}_total`,
  help: `${c.help} (${BACKEND}/vbd-D-N/statistics/${c.file}).`,
}));

/** What could not be read, for the probe's evidence; the samples of the devices that could. */
export interface DeviceStats {
  samples: MetricSample[];
  problems: string[];
}

/** Reads every vif and VBD that belongs to a domain in `names` (domid -> name). */
export async function readBackendStats(host: Host, names: ReadonlyMap<number, string>): Promise<DeviceStats> {
  const stats: DeviceStats = { samples: [], problems: [] };
  const [netDevices, backendDevices] = await Promise.all([host.listDir(NET), host.listDir(BACKEND)]);
  const reads: Promise<MetricSample | undefined>[] = [];
  for (const device of (netDevices ?? []).sort()) {
    const vif = parseVifName(device);
    const domain = vif && names.get(vif.domid);
    // A vif of a domain xl list did not show has come or gone since: counted at the next cycle.
    if (domain === undefined) continue;
    for (const counter of VIF_COUNTERS) {
      reads.push(
        readCounter(host, `${NET}/${device}/statistics/${counter.file}`, stats, (value) => ({
          name: counter.name,
          help: counter.help,
          labels: { domain, interface: device },
          value,
          type: 'counter',
        })),
      );
    }
  }
  for (const device of (backendDevices ?? []).sort()) {
    const vbd = parseVbdName(device);
    const domain = vbd && names.get(vbd.domid);
    if (vbd === undefined || domain === undefined) continue;
    const name = vbdDeviceName(vbd.vdev);
    for (const counter of VBD_COUNTERS) {
      reads.push(
        readCounter(host, `${BACKEND}/${device}/statistics/${counter.file}`, stats, (value) => ({
          name: counter.name,
          help: counter.help,
          labels: { domain, device: name },
          value: value * (counter.scale ?? 1),
          type: 'counter',
        })),
      );
    }
  }
  // In device order, then grouped by name (a stable sort): the exposition does not change between runs.
  stats.samples = (await Promise.all(reads))
    .filter((sample) => sample !== undefined)
    .sort((a, b) => (a.name === b.name ? 0 : a.name < b.name ? -1 : 1));
  return stats;
}

async function readCounter(
  host: Host,
  file: string,
  stats: DeviceStats,
  sample: (value: number) => MetricSample,
): Promise<MetricSample | undefined> {
  const text = await host.readFileIfExists(file);
  // A device torn down between the listing and the read: nothing to publish, nothing wrong.
  if (text === undefined) return undefined;
  try {
    return sample(parseSysfsCounter(file, text));
  } catch (caught) {
    if (!(caught instanceof ParseError)) throw caught;
    stats.problems.push(caught.message);
    return undefined;
  }
}
