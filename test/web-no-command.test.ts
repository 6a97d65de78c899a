// No endpoint runs a command or applies a remedy: the host seam is spied on, a cycle proves the spy sees
// commands, then every route and method is hit (with and without a password) and nothing more runs.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { startDaemon } from '../src/exporter/daemon.js';
import type { Log } from '../src/exporter/state.js';
import { probes } from '../src/probes/index.js';
import { daemonConfig } from './helpers.js';

const seen = vi.hoisted(() => ({ hosts: 0, runs: [] as string[], reads: 0, fix: 0 }));
vi.mock('../src/host/host.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/host/host.js')>();
  return {
    ...real,
    createHost: (options: Parameters<typeof real.createHost>[0]) => {
      seen.hosts++;
      const host = real.createHost(options);
      const run: typeof host.run = (argv, opts) => {
        seen.runs.push(argv.join(' '));
        return host.run(argv, opts);
      };
      return { ...host, run };
    },
  };
});
// Were anything to reach for the fix command (remedies), this would count it.
vi.mock('../src/fix/fix-command.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/fix/fix-command.js')>();
  return {
    ...real,
    runFix: (...args: Parameters<typeof real.runFix>) => {
      seen.fix++;
      return real.runFix(...args);
    },
    fixCommand: (...args: Parameters<typeof real.fixCommand>) => {
      seen.fix++;
      return real.fixCommand(...args);
    },
  };
});

const quiet: Log = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };

/** Child processes of this process right now (/proc/self/task/<tid>/children). */
function children(): number {
  let count = 0;
  for (const task of readdirSync('/proc/self/task')) {
    const text = readFileSync(`/proc/self/task/${task}/children`, 'utf8').trim();
    if (text) count += text.split(/\s+/).length;
  }
  return count;
}

describe('the endpoint runs nothing', () => {
  it('serves every route and method without creating a host, running a command or a remedy', async () => {
    const config = daemonConfig({ web: { configFile: undefined, ratePerSecond: 0, maxConnections: 64 } });
    const daemon = await startDaemon({ config, probes, log: quiet, manual: true });
    const base = `http://127.0.0.1:${daemon.address.port}`;
    try {
      await daemon.schedule.runGroup(daemon.groups[0] as (typeof daemon.groups)[0]);
      // The spy works: a cycle ran commands through it.
      expect(seen.runs.length).toBeGreaterThan(0);
      expect(seen.runs).toContain('xl info');
      const hostsAfterCycle = seen.hosts;
      const runsAfterCycle = seen.runs.length;

      const routes = [
        '/',
        '/metrics',
        '/healthz',
        '/report.json',
        '/nope',
        '/metrics?fix=1',
        '/fix',
        '/apply',
      ];
      const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
      let answered = 0;
      for (let round = 0; round < 5; round++) {
        for (const route of routes) {
          for (const method of methods) {
            const response = await fetch(`${base}${route}`, { method });
            await response.arrayBuffer();
            answered++;
            expect(children()).toBe(0);
          }
        }
      }
      expect(answered).toBe(5 * routes.length * methods.length);
      expect(seen.hosts).toBe(hostsAfterCycle);
      expect(seen.runs.length).toBe(runsAfterCycle);
      expect(seen.fix).toBe(0);
    } finally {
      await daemon.stop();
    }
  });
});
