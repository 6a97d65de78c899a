// Linux bridges and their ports, from sysfs alone (no `brctl`, no `ip`): a device is a bridge when
// /sys/class/net/<dev>/bridge exists, and its ports are the names in /sys/class/net/<dev>/brif/.
import type { Context } from '../context.js';
import type { Host } from '../host/host.js';

export interface Bridge {
  name: string;
  /** Port devices (the NIC, vifN.M, ...), sorted; empty for a bridge with nothing enslaved yet. */
  ports: string[];
}

export interface Bridges {
  /** false when /sys/class/net cannot be listed (sysfs not mounted): nothing can be said. */
  sysfs: boolean;
  bridges: Bridge[];
}

const NET = '/sys/class/net';

/** Reads every bridge and its ports through the host seam. */
export async function readBridges(host: Host): Promise<Bridges> {
  const devices = await host.listDir(NET);
  if (!devices) return { sysfs: false, bridges: [] };
  const found = await Promise.all(
    devices.map(async (name): Promise<Bridge | undefined> => {
      if (!(await host.exists(`${NET}/${name}/bridge`))) return undefined;
      return { name, ports: (await host.listDir(`${NET}/${name}/brif`)) ?? [] };
    }),
  );
  return { sysfs: true, bridges: found.filter((bridge) => bridge !== undefined) };
}

// bridge-offload and bridge-redirects both ask; one read per report run.
const perRun = new WeakMap<Context, Promise<Bridges>>();

/** The host's bridges, read once per report run. */
export function bridges(ctx: Context): Promise<Bridges> {
  let value = perRun.get(ctx);
  if (!value) {
    value = readBridges(ctx.host);
    perRun.set(ctx, value);
  }
  return value;
}

/** The skip reason when there is no bridge to check, or undefined when there is one. */
export function noBridgeReason(found: Bridges): string | undefined {
  if (!found.sysfs) return `cannot list ${NET} (sysfs not mounted?)`;
  if (found.bridges.length === 0) return 'no Linux bridge on this host';
  return undefined;
}
