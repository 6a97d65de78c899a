#!/usr/bin/env node
// Daemon benchmark (not a unit test): node bench/scrape.mjs [--scrapes N] [--cycles N] [--host NAME]
// after `npm run build`. Everything on 127.0.0.1, against a replayed fixture host.
//  1. scrape latency p50/p99 of `xendoctor serve` (a child process), N sequential keep-alive scrapes,
//     text format and OpenMetrics;
//  2. the per-scrape cost of prom-client's collectDefaultMetrics against the cached text + hand-read
//     process metrics the daemon serves;
//  3. RSS and CPU per cycle after N back-to-back schedule cycles (60 = an hour at the default interval),
//     in a fresh child process so nothing else is in its heap.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const { values } = parseArgs({
  options: {
    scrapes: { type: 'string', default: '2000' },
    cycles: { type: 'string', default: '60,600' },
    host: { type: 'string', default: 'dom0-domu-credit2' },
    'cycles-child': { type: 'string' },
  },
});
const hostDir = path.join(ROOT, 'test/fixtures/hosts', values.host);

if (values['cycles-child']) await cyclesChild(Number(values['cycles-child']));
else await main();

async function main() {
  console.log(`node ${process.version}, host ${values.host}`);
  await scrapeLatency(Number(values.scrapes));
  await defaultMetricsCost(Number(values.scrapes));
  for (const n of values.cycles.split(',').map(Number)) {
    const child = spawn(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--host', values.host, '--cycles-child', String(n)],
      {
        stdio: 'inherit',
      },
    );
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function get(agent, port, pathname, accept) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.get(
      { host: '127.0.0.1', port, path: pathname, agent, headers: accept ? { accept } : {} },
      (response) => {
        response.resume();
        response.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
      },
    );
    request.on('error', reject);
  });
}

async function scrapeLatency(count) {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--replay', hostDir, '--web.listen-address', '127.0.0.1:0', '--log-level', 'info'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  try {
    const deadline = Date.now() + 15_000;
    let port;
    while (!port && Date.now() < deadline) {
      port = /"address":"127\.0\.0\.1:(\d+)"/.exec(out)?.[1];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!port) throw new Error(`serve did not start: ${out}`);
    while (!/first status/.test(out)) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const [label, accept] of [
      ['text', undefined],
      ['openmetrics', 'application/openmetrics-text; version=1.0.0'],
    ]) {
      for (let i = 0; i < 100; i++) await get(agent, port, '/metrics', accept); // warm-up
      const cpuBefore = readCpu(child.pid);
      const times = [];
      for (let i = 0; i < count; i++) times.push(await get(agent, port, '/metrics', accept));
      const cpuMs = (readCpu(child.pid) - cpuBefore) * 10; // clock ticks of 10 ms
      times.sort((a, b) => a - b);
      console.log(
        `scrape /metrics (${label}), ${count} sequential: p50 ${percentile(times, 50).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms, max ${times.at(-1).toFixed(3)} ms; daemon CPU ${(cpuMs / count).toFixed(3)} ms/scrape`,
      );
    }
    agent.destroy();
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

// utime + stime of a process, in clock ticks, from /proc/<pid>/stat.
function readCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function defaultMetricsCost(count) {
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const { Exposition, processMetrics } = await import(path.join(ROOT, 'dist/exporter/exposition.js'));
  const { runReport } = await import(path.join(ROOT, 'dist/report/run.js'));
  const { createHost } = await import(path.join(ROOT, 'dist/host/host.js'));
  const { probes } = await import(path.join(ROOT, 'dist/probes/index.js'));
  const { results } = await runReport(
    createHost({ root: hostDir, path: [path.join(hostDir, 'commands')] }),
    probes,
  );
  const exposition = new Exposition(false);
  exposition.update({
    runs: results.map((result) => ({ result, finishedAt: Date.now() })),
    commandTimeouts: new Map(),
  });
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  const time = async (label, fn) => {
    for (let i = 0; i < 200; i++) await fn();
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await fn();
    const ms = Number(process.hrtime.bigint() - started) / 1e6 / count;
    console.log(`  ${label}: ${(ms * 1000).toFixed(1)} µs per scrape`);
  };
  console.log('render cost per scrape, in-process:');
  await time('cached xendoctor_* text (what the daemon serves)', () => exposition.render('prometheus'));
  await time(
    '+ hand-read process metrics (the daemon)',
    async () => (await exposition.render('prometheus')) + processMetrics('prometheus'),
  );
  await time(
    '+ prom-client collectDefaultMetrics instead',
    async () => (await exposition.render('prometheus')) + (await defaults.metrics()),
  );
  const rebuild = new Exposition(false);
  await time('re-rendering the xendoctor_* registry per scrape (not cached)', () => {
    rebuild.update({
      runs: results.map((result) => ({ result, finishedAt: Date.now() })),
      commandTimeouts: new Map(),
    });
    return rebuild.render('prometheus');
  });
}

async function cyclesChild(count) {
  const { startDaemon } = await import(path.join(ROOT, 'dist/exporter/daemon.js'));
  const { probes } = await import(path.join(ROOT, 'dist/probes/index.js'));
  const { defaultSettings } = await import(path.join(ROOT, 'dist/context.js'));
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };
  const daemon = await startDaemon({
    config: {
      file: undefined,
      listen: { host: '127.0.0.1', port: 0 },
      telemetryPath: '/metrics',
      intervalSeconds: 60,
      logLevel: 'silent',
      checks: {},
      settings: defaultSettings,
      host: { root: hostDir, path: [path.join(hostDir, 'commands')] },
    },
    probes,
    log: quiet,
    manual: true,
  });
  const [first] = daemon.groups;
  const scrape = () =>
    new Promise((resolve) =>
      http.get(`http://127.0.0.1:${daemon.address.port}/metrics`, (r) => r.resume().on('end', resolve)),
    );
  // Warm-up cycle, then measure.
  await daemon.schedule.runGroup(first);
  await scrape();
  globalThis.gc?.();
  const rssStart = process.memoryUsage().rss;
  const heapStart = process.memoryUsage().heapUsed;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await daemon.schedule.runGroup(first);
    await scrape(); // a scrape per cycle, as Prometheus would (more often, in truth)
  }
  const wall = (performance.now() - started) / count;
  const cpu = process.cpuUsage(cpuStart);
  globalThis.gc?.();
  const rssEnd = process.memoryUsage().rss;
  const heapEnd = process.memoryUsage().heapUsed;
  await daemon.stop();
  const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
  console.log(
    `${count} cycles (${(count / 60).toFixed(1)} h at 60 s): RSS ${mb(rssStart)} -> ${mb(rssEnd)} MB, heap used ${mb(heapStart)} -> ${mb(heapEnd)} MB after gc; per cycle ${wall.toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000 / count).toFixed(1)} ms CPU in node (fake commands' own CPU not counted)`,
  );
}
