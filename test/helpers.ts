// Shared test helpers: fixture hosts through the real host seam.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckResult, Probe } from '../src/check.js';
import type { DaemonConfig } from '../src/config.js';
import { Context, defaultSettings, type Settings } from '../src/context.js';
import { createHost, type Host, type HostOptions } from '../src/host/host.js';
import type { Log } from '../src/exporter/state.js';
import { runProbe } from '../src/runner.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
/** The built executable (vitest's global setup builds it). */
export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

/** Runs `xendoctor` as a user does: dist/cli.js in a child, with PATH and `env` only in its environment. */
export function xendoctor(
  args: string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
export const HOSTS = path.join(FIXTURES, 'hosts');

/** A fixture host replayed through the real seam: files under it, only its fake commands on the path. */
export function fixtureHost(name: string, options: HostOptions = {}): Host {
  const root = path.join(HOSTS, name);
  return createHost({ root, path: [path.join(root, 'commands')], ...options });
}

/** Runs one probe against a fixture host, as the report would. */
export function runOn(
  name: string,
  probe: Probe,
  settings: Settings = defaultSettings,
): Promise<CheckResult> {
  return runProbe(new Context(fixtureHost(name), settings), probe);
}

/** Verbatim text of a file in a fixture host, e.g. reply('e', 'xl info') or hostFile('e', 'proc/cpuinfo'). */
export function hostFile(name: string, file: string): string {
  return readFileSync(path.join(HOSTS, name, file), 'utf8');
}

/** Verbatim stdout a fixture host's fake command replays. */
export function reply(name: string, argv: string): string {
  return hostFile(name, `commands/replies/${argv}.stdout`);
}

/** A logger that drops everything (the daemon's tests assert on state, not on log lines). */
export const quietLog: Log = { info() {}, warn() {}, error() {}, debug() {}, child: () => quietLog };

/** A daemon configuration for tests: 127.0.0.1 on a free port, a fixture host, nothing logged. */
export function daemonConfig(fields: Partial<DaemonConfig> = {}, host = 'dom0-domu-credit2'): DaemonConfig {
  const root = path.join(HOSTS, host);
  return {
    file: undefined,
    listen: { host: '127.0.0.1', port: 0 },
    telemetryPath: '/metrics',
    intervalSeconds: 60,
    logLevel: 'silent',
    logFormat: 'json',
    checks: {},
    settings: defaultSettings,
    host: { root, path: [path.join(root, 'commands')] },
    ...fields,
  };
}
