// System tests run real tools (promtool, prometheus, shellcheck, systemd-analyze, openrc-run) against the
// built CLI. A missing tool skips the test on a developer's machine and fails it in CI (CI is set there).
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli.js');
export const HOSTS = path.join(ROOT, 'test/fixtures/hosts');

/** Tools not found on PATH. */
export function missingTools(tools: readonly string[]): string[] {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin']);
  return tools.filter((tool) => !dirs.some((dir) => dir && existsSync(path.join(dir, tool))));
}

/** Whether to run a suite: yes when its tools exist, and in CI always (where a missing tool then fails). */
export function shouldRun(missing: readonly string[]): boolean {
  return missing.length === 0 || Boolean(process.env.CI);
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for tools that cannot report a port-0 bind). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts a process and collects its output; stop it with stopProcess (by its PID). */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Started {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** SIGTERM by PID, SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
export async function stopProcess(started: Started, graceMs = 5000): Promise<number | null> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  const code = await started.exited;
  clearTimeout(timer);
  return code;
}

/** Thrown by a waitFor probe to give up at once (the process died). */
export class GiveUp extends Error {}

/** Polls until `probe` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (caught) {
      if (caught instanceof GiveUp) throw caught;
      last = caught;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
  );
}

/** A real Prometheus (Debian's package) on a free loopback port, scraping `target` every second as job xendoctor. */
export interface Prometheus extends Started {
  api: string;
}

/** Starts Prometheus with its config and data in `dir`; stop it with stopProcess. */
export async function startPrometheus(dir: string, target: string): Promise<Prometheus> {
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: xendoctor\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  const port = await freePort();
  const started = startProcess('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  return { ...started, api: `http://127.0.0.1:${port}` };
}

/**
 * Inside a describe: before its tests, `xendoctor serve --interval 1` on a replayed fixture host and a real
 * Prometheus scraping it every second (gzip and OpenMetrics, as Prometheus asks); both stopped after.
 * `query` reads back through Prometheus' HTTP API.
 */
export function scrapedByPrometheus(
  host: string,
  missing: readonly string[],
): { query: <Sample>(expr: string) => Promise<Sample[]> } {
  let serve: (Started & { base: string }) | undefined;
  let prometheus: Prometheus | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    expect(missing, 'tools missing (apt-get install prometheus)').toEqual([]);
    dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-prometheus-'));
    serve = await startServe(host, ['--interval', '1']);
    prometheus = await startPrometheus(dir, serve.base.replace('http://', ''));
  }, 60_000);
  afterAll(async () => {
    if (prometheus) await stopProcess(prometheus, 10_000);
    if (serve) await stopProcess(serve);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);
  return { query: (expr) => queryPrometheus(prometheus as Prometheus, expr) };
}

/** An instant query through Prometheus' HTTP API: the result vector, empty when no series matched. */
export async function queryPrometheus<Sample>(prometheus: Prometheus, expr: string): Promise<Sample[]> {
  if (prometheus.child.exitCode !== null) throw new GiveUp(`prometheus exited: ${prometheus.output()}`);
  const response = await fetch(`${prometheus.api}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as { data: { result: Sample[] } };
  return body.data.result;
}

/**
 * Starts `xendoctor serve` on 127.0.0.1 (a free port) against a fixture host; resolves after a first cycle.
 * Options: the entry point (default: the repository's dist/cli.js), headers for that wait (basic auth).
 */
export async function startServe(
  host: string,
  extra: string[] = [],
  { cli = CLI, headers = {} }: { cli?: string; headers?: Record<string, string> } = {},
): Promise<Started & { base: string }> {
  const started = startProcess(process.execPath, [
    cli,
    'serve',
    '--replay',
    path.join(HOSTS, host),
    '--web.listen-address',
    '127.0.0.1:0',
    ...extra,
  ]);
  const address = await waitFor(
    async () => {
      if (started.child.exitCode !== null) throw new GiveUp(`serve exited: ${started.output()}`);
      // The "serve started" line, in JSON or logfmt (--log.format).
      return /(?:"address":"|address=)127\.0\.0\.1:(\d+)/.exec(started.output())?.[1];
    },
    15_000,
    'xendoctor serve to listen',
  ).catch(async (caught) => {
    await stopProcess(started);
    throw caught;
  });
  const base = `http://127.0.0.1:${address}`;
  // Listening comes before the first cycle ends; /report.json answers 200 once it has.
  await waitFor(
    async () => ((await fetch(`${base}/report.json`, { headers })).ok ? true : undefined),
    15_000,
    'a first cycle',
  ).catch(async (caught) => {
    await stopProcess(started);
    throw caught;
  });
  return { ...started, base };
}

/**
 * A filesystem root for `systemd-analyze verify --root`: this machine's stock units (sysinit.target and the
 * rest verify needs), merged-/usr links, and the given files (path under the root -> content, mode).
 */
export function systemdRoot(root: string, files: Record<string, { text: string; mode: number }>): string {
  const stock = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((dir) =>
    existsSync(path.join(dir, 'sysinit.target')),
  );
  if (!stock) throw new Error('no systemd units in /usr/lib/systemd/system or /lib/systemd/system');
  cpSync(stock, path.join(root, 'usr/lib/systemd/system'), { recursive: true, dereference: false });
  for (const dir of ['bin', 'sbin', 'lib']) {
    if (!existsSync(path.join(root, dir))) symlinkSync(`usr/${dir}`, path.join(root, dir));
  }
  for (const [file, { text, mode }] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text, { mode });
  }
  return root;
}
