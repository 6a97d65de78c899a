// Every check, in report order. Ids are a stable public interface (users select and silence by id).
import { UsageError } from '../args.js';
import type { Probe } from '../check.js';
import { bridgeOffload } from './bridge-offload.js';
import { bridgeRedirects } from './bridge-redirects.js';
import { cpuVirtualization } from './cpu-virtualization.js';
import { dom0Memory } from './dom0-memory.js';
import { domains } from './domains.js';
import { grantTables } from './grant-tables.js';
import { hypervisorLog } from './hypervisor-log.js';
import { kernelConfig } from './kernel-config.js';
import { scheduler } from './scheduler.js';
import { xenDaemons } from './xen-daemons.js';
import { xenDom0 } from './xen-dom0.js';
import { xenHypervisor } from './xen-hypervisor.js';

export const probes: readonly Probe[] = [
  cpuVirtualization,
  xenHypervisor,
  xenDom0,
  xenDaemons,
  grantTables,
  scheduler,
  bridgeOffload,
  dom0Memory,
  domains,
  kernelConfig,
  bridgeRedirects,
  hypervisorLog,
];

/** The probes with the given ids, in report order; all of them when none is given. */
export function selectProbes(ids: readonly string[]): readonly Probe[] {
  if (ids.length === 0) return probes;
  const known = new Set(probes.map((p) => p.id));
  for (const id of ids) {
    if (!known.has(id))
      throw new UsageError(`flag --check: unknown check ${JSON.stringify(id)} (see --list-checks)`);
  }
  return probes.filter((p) => ids.includes(p.id));
}
