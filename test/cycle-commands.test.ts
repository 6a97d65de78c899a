// Issue 15's goal "no new process per domain per cycle", as a count (not a timing): one daemon cycle (every
// probe group once, as serve runs them) on the synthetic hosts of 1 and 64 domains. Only the commands that
// exist because a value has no other source may grow with the domains: `xen-diag gnttab_query_size` (one
// domid per call: grant frames in use are nowhere else) and `ethtool -k` per bridge port (offload features
// have no sysfs file); see docs/performance.md. The per-domain and per-device metrics come from one
// `xl list -l` and sysfs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSyntheticHost } from '../bench/synthetic-host.mjs';
import { defaultSettings } from '../src/context.js';
import { type Cycle, groupProbes, Schedule } from '../src/exporter/schedule.js';
import { createHost, type Host } from '../src/host/host.js';
import { probes } from '../src/probes/index.js';

const work = mkdtempSync(path.join(tmpdir(), 'xd-cycle-commands-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The argv of every process one daemon cycle starts (counted at the seam, memoised or not). */
async function oneCycle(domains: number, ports: number): Promise<string[]> {
  const dir = path.join(work, `host-${domains}`);
  makeSyntheticHost(dir, { domains, ports });
  const started: string[] = [];
  const host = (): Host => {
    const real = createHost({ root: dir, path: [path.join(dir, 'commands')] });
    return new Proxy(real, {
      get(target, key, receiver) {
        if (key !== 'run') return Reflect.get(target, key, receiver);
        return (argv: readonly string[], ...rest: unknown[]) => {
          started.push(argv.join(' '));
          return (target.run as (...a: unknown[]) => unknown)(argv, ...rest);
        };
      },
    });
  };
  const cycles: Cycle[] = [];
  const groups = groupProbes(probes, 60, {});
  const schedule = new Schedule({
    groups,
    settings: defaultSettings,
    host,
    onCycle: (cycle) => cycles.push(cycle),
    onProblem: (what, _group, detail) => {
      throw new Error(`${what}: ${String(detail)}`);
    },
  });
  for (const group of groups) await schedule.runGroup(group);
  await schedule.stop();
  expect(cycles).toHaveLength(groups.length);
  return started;
}

/** Commands by kind: the per-domain and per-device arguments replaced, so kinds compare across hosts. */
function kinds(argvs: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const argv of argvs) {
    const kind = argv
      .replace(/^xen-diag gnttab_query_size \d+$/, 'xen-diag gnttab_query_size D')
      .replace(/^ethtool -k \S+$/, 'ethtool -k DEV');
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

describe('commands per daemon cycle', () => {
  it('grows with the domains only by the one xen-diag per domain and the one ethtool per bridge port', async () => {
    const small = await oneCycle(1, 2);
    const large = await oneCycle(64, 128);
    const [k1, k64] = [kinds(small), kinds(large)];
    // Every kind of command but the two per-domain/per-device ones runs as often at 64 domains as at 1.
    const fixed = (k: Map<string, number>) =>
      [...k].filter(([kind]) => !kind.endsWith(' D') && !kind.endsWith(' DEV')).sort();
    expect(fixed(k64)).toEqual(fixed(k1));
    expect(fixed(k64).every(([, n]) => n === 1)).toBe(true);
    // One xen-diag per domain, one ethtool per port and bridge (xenbr0), and nothing else grows.
    expect(k1.get('xen-diag gnttab_query_size D')).toBe(1);
    expect(k64.get('xen-diag gnttab_query_size D')).toBe(64);
    expect(k1.get('ethtool -k DEV')).toBe(2 + 1);
    expect(k64.get('ethtool -k DEV')).toBe(128 + 1);
    expect(large.length - small.length).toBe(63 + 126);
    // The per-domain series' source runs once whatever the domain count.
    expect(k64.get('xl list -l')).toBe(1);
  });
});
