#!/usr/bin/env node
// Soak benchmark (not a unit test): npm run bench:soak [-- --duration 600 --rate 5 --host NAME]
// `xendoctor serve` on a replayed fixture host at a 1 s interval for --duration seconds (default 600),
// under a steady scrape load from a second process (--rate scrapes/s, bounded in count and time), all on
// 127.0.0.1. Samples the daemon's RSS and open file descriptors (/proc/PID/status, /proc/PID/fd) every
// --sample seconds and its child processes (/proc/PID/task/*/children) every 100 ms, then prints a table
// per window: RSS, fds, children, scrape count and latency p50/p99/max.
// Event-loop lag: measured through scrape latency. A scrape does no I/O (it serves cached text), so its
// latency is the time it waits for the event loop plus ~1 ms: a p99/max that grows is lag that grows.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serviceEnvironment } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    rate: { type: 'string', default: '5' },
    sample: { type: 'string', default: '10' },
    window: { type: 'string', default: '60' },
    host: { type: 'string', default: 'dom0-domu-credit2' },
    cli: { type: 'string', default: path.join(ROOT, 'dist/cli.js') },
    json: { type: 'string' },
    'load-child': { type: 'boolean', default: false },
    port: { type: 'string' },
  },
});
const duration = Number(values.duration);
const rate = Number(values.rate);

if (values['load-child']) await loadChild(Number(values.port), rate, duration);
else await main();

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The load: `rate` scrapes per second for `seconds`, each timed; 1 in 10 on a fresh connection. */
async function loadChild(port, perSecond, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const total = Math.floor(perSecond * seconds);
  const started = Date.now();
  const samples = [];
  let failures = 0;
  const one = (fresh) =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const request = http.get(
        { host: '127.0.0.1', port, path: '/metrics', agent: fresh ? false : agent, timeout: 5000 },
        (response) => {
          response.resume();
          response.on('end', () => {
            const ms = Number(process.hrtime.bigint() - t0) / 1e6;
            if (response.statusCode !== 200) failures++;
            samples.push([Date.now() - started, ms, response.statusCode]);
            resolve();
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => {
        failures++;
        samples.push([Date.now() - started, Number.NaN, 0]);
        resolve();
      });
    });
  const inFlight = new Set();
  for (let i = 0; i < total; i++) {
    // A fixed schedule (not "after the last one"): a slow answer does not slow the load down.
    const due = started + (i * 1000) / perSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (Date.now() > started + seconds * 1000 + 10_000) break;
    const p = one(i % 10 === 9).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ samples, failures })}\n`);
}

function children(pid) {
  let count = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) count += text.split(/\s+/).length;
    }
  } catch {
    // The process is gone.
  }
  return count;
}

function rssBytes(pid) {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** CPU seconds of a process (utime + stime) and of its reaped children (cutime + cstime). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { own: (fields[11] + fields[12]) / 100, children: (fields[13] + fields[14]) / 100 };
}

async function main() {
  const hostDir = path.join(ROOT, 'test/fixtures/hosts', values.host);
  console.log(
    `node ${process.version}, host ${values.host}, interval 1 s, ${duration} s, ${rate} scrapes/s, cli ${values.cli}`,
  );
  const daemon = spawn(
    process.execPath,
    [
      values.cli,
      'serve',
      '--replay',
      hostDir,
      '--interval',
      '1',
      '--web.listen-address',
      '127.0.0.1:0',
      '--log-level',
      'info',
    ],
    // As the service files run it (their Environment= / exports).
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...serviceEnvironment() } },
  );
  let log = '';
  const onData = (chunk) => {
    // Keep only what is needed: the address line and warnings/errors (a 10-minute log is large).
    for (const line of String(chunk).split('\n')) {
      if (/"msg":"xendoctor serve started"|"level":(40|50|60)/.test(line)) log += `${line}\n`;
    }
  };
  daemon.stdout.on('data', onData);
  daemon.stderr.on('data', onData);
  const deadline = Date.now() + 20_000;
  let port;
  while (!port && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    port = /"address":"127\.0\.0\.1:(\d+)"/.exec(log)?.[1];
  }
  if (!port) {
    daemon.kill('SIGKILL');
    throw new Error(`daemon did not start: ${log}`);
  }
  const pid = daemon.pid;
  const startedAt = Date.now();
  const cpuStart = cpuSeconds(pid);
  const rows = [];
  let childMax = 0;
  let windowChildMax = 0;
  const childTimer = setInterval(() => {
    const n = children(pid);
    childMax = Math.max(childMax, n);
    windowChildMax = Math.max(windowChildMax, n);
  }, 100);
  const sample = () => {
    rows.push({
      t: (Date.now() - startedAt) / 1000,
      rss: rssBytes(pid),
      fds: fdCount(pid),
      children: windowChildMax,
    });
    windowChildMax = 0;
  };
  sample();
  const load = spawn(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      '--load-child',
      '--port',
      port,
      '--rate',
      String(rate),
      '--duration',
      String(duration),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let loadOut = '';
  load.stdout.on('data', (chunk) => {
    loadOut += chunk;
  });
  const loadExit = new Promise((resolve) => load.once('exit', resolve));
  const sampleTimer = setInterval(sample, Number(values.sample) * 1000);
  // Bounded: the load ends on its own after `duration`; give it 30 s more, then stop it.
  const hardStop = setTimeout(() => load.kill('SIGKILL'), (duration + 30) * 1000);
  await loadExit;
  clearTimeout(hardStop);
  clearInterval(sampleTimer);
  sample();
  const cpuEnd = cpuSeconds(pid);
  const elapsed = (Date.now() - startedAt) / 1000;
  clearInterval(childTimer);
  const childrenAtEnd = children(pid);

  daemon.kill('SIGTERM');
  const killTimer = setTimeout(() => daemon.kill('SIGKILL'), 10_000);
  const exitCode = await new Promise((resolve) => daemon.once('exit', (code) => resolve(code)));
  clearTimeout(killTimer);

  const { samples, failures } = JSON.parse(loadOut.trim().split('\n').pop() || '{"samples":[],"failures":0}');
  const windowMs = Number(values.window) * 1000;
  const windows = [];
  for (const [t, ms] of samples) {
    const index = Math.floor(t / windowMs);
    windows[index] ??= [];
    if (Number.isFinite(ms)) windows[index].push(ms);
  }
  const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
  console.log('\nwindow   RSS MB  fds  children(max)  scrapes  p50 ms  p99 ms  max ms');
  for (let i = 0; i < windows.length; i++) {
    const from = i * Number(values.window);
    const to = from + Number(values.window);
    const inWindow = rows.filter((r) => r.t > from && r.t <= to);
    const last = inWindow.at(-1) ?? rows.at(-1);
    const kids = Math.max(0, ...inWindow.map((r) => r.children));
    const sorted = (windows[i] ?? []).sort((a, b) => a - b);
    console.log(
      `${String(from).padStart(4)}-${String(to).padEnd(4)} ${mb(last.rss).padStart(6)} ${String(last.fds).padStart(4)} ${String(kids).padStart(14)} ${String(sorted.length).padStart(8)} ${percentile(sorted, 50).toFixed(2).padStart(7)} ${percentile(sorted, 99).toFixed(2).padStart(7)} ${(sorted.at(-1) ?? Number.NaN).toFixed(2).padStart(7)}`,
    );
  }
  const all = samples
    .map(([, ms]) => ms)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const rss = rows.map((r) => r.rss);
  const summary = {
    node: process.version,
    host: values.host,
    durationSeconds: Math.round(elapsed),
    scrapesPerSecond: rate,
    rssStartMB: Number(mb(rss[0])),
    rssAfter1MinMB: Number(mb((rows.find((r) => r.t >= 60) ?? rows.at(-1)).rss)),
    rssEndMB: Number(mb(rss.at(-1))),
    rssMaxMB: Number(mb(Math.max(...rss))),
    fdsStart: rows[0].fds,
    fdsEnd: rows.at(-1).fds,
    fdsMax: Math.max(...rows.map((r) => r.fds)),
    childrenMax: childMax,
    childrenAtEnd,
    cpuPercent: Number(((100 * (cpuEnd.own - cpuStart.own)) / elapsed).toFixed(1)),
    childCpuPercent: Number(((100 * (cpuEnd.children - cpuStart.children)) / elapsed).toFixed(1)),
    scrapes: samples.length,
    scrapeFailures: failures,
    scrapeP50Ms: Number(percentile(all, 50).toFixed(2)),
    scrapeP99Ms: Number(percentile(all, 99).toFixed(2)),
    scrapeMaxMs: Number((all.at(-1) ?? Number.NaN).toFixed(2)),
    daemonWarningsOrErrors: log.split('\n').filter((l) => /"level":(40|50|60)/.test(l)).length,
    daemonExitCode: exitCode,
  };
  console.log('\nsummary');
  for (const [key, value] of Object.entries(summary)) console.log(`  ${key.padEnd(24)} ${value}`);
  if (summary.daemonWarningsOrErrors > 0) {
    console.log('\nfirst warnings/errors:');
    console.log(
      log
        .split('\n')
        .filter((l) => /"level":(40|50|60)/.test(l))
        .slice(0, 5)
        .join('\n'),
    );
  }
  if (values.json) writeFileSync(values.json, `${JSON.stringify({ summary, rows }, null, 2)}\n`);
}
