#!/usr/bin/env node
// Scrape benchmark (not a unit test): `node bench/scrape.mjs [--scrapes 2000] [--wrk-seconds 10]
// [--node-args=...]` after `npm run build`. Everything on 127.0.0.1.
//  1. `xendoctor serve` (with the service files' environment) on the synthetic 64-domain, 128-port host,
//     and a floor (a bare node server answering a copy of the same body),
//     after its first cycle (a scrape only copies the cached text), against Debian's
//     prometheus-node-exporter with its default collectors on another loopback port, started here and
//     stopped by PID: N sequential keep-alive scrapes, alternating between the two in blocks of 50,
//     then wrk for a bounded time (1 connection, then 4), one server after the other.
//  2. Render cost per scrape in-process: the cached text, and prom-client's collectDefaultMetrics on top.
// Needs `wrk` and `prometheus-node-exporter` (apt-get install wrk prometheus-node-exporter); a missing one
// is reported and its part skipped.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { docRows, load1, machine, pct, raisePriority, ratio, serviceEnvironment, table } from './lib.mjs';
import { makeSyntheticHost, reportOn } from './synthetic-host.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const { values } = parseArgs({
  options: {
    scrapes: { type: 'string', default: '2000' },
    'wrk-seconds': { type: 'string', default: '10' },
    // Default: as systemd/xendoctor.service and openrc/xendoctor.confd set it.
    'node-options': { type: 'string' },
    // Flags for node itself, e.g. --node-args=--jitless.
    'node-args': { type: 'string', default: '' },
    // The request headers: as Prometheus scrapes (OpenMetrics preferred, gzip), or none (curl without
    // --compressed: the text format, uncompressed).
    headers: { type: 'string', default: 'prometheus' },
  },
});
const scrapes = Number(values.scrapes);
const nodeOptions = values['node-options'] === undefined ? {} : { NODE_OPTIONS: values['node-options'] };
const wrkSeconds = Math.min(30, Number(values['wrk-seconds']));
// What Prometheus 2.x sends to every target (scrape.go: acceptHeader, and gzip unless disabled).
const PROMETHEUS_HEADERS = {
  accept:
    'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
  'accept-encoding': 'gzip',
};
if (!['prometheus', 'none'].includes(values.headers)) throw new Error('--headers is prometheus or none');
const HEADERS = values.headers === 'prometheus' ? PROMETHEUS_HEADERS : {};

const loadBefore = load1();
const reniced = raisePriority();
console.log(`# xendoctor scrape benchmark\n\n${machine()}`);
console.log(
  `request headers: ${values.headers === 'prometheus' ? "Prometheus' (OpenMetrics preferred, gzip)" : 'none'}`,
);
if (reniced) console.log('(benchmark and the servers it starts run at nice -10)');

const work = mkdtempSync(path.join(tmpdir(), 'xd-scrape-'));
const servers = [];
try {
  const host = path.join(work, 'host-64');
  makeSyntheticHost(host, { domains: 64, ports: 128 });
  const xendoctor = await startXendoctor(host);
  servers.push(xendoctor);
  servers.push(await startFloor(xendoctor));
  const exporter = await startNodeExporter();
  if (exporter) servers.push(exporter);
  const times = await sequential(servers);
  await underWrk(servers);
  await renderCost(host);
  // The goal's figures (issue 13 and 15): p99 <= 2 ms, node_exporter's p99 >= 3x xendoctor's.
  const at = (prefix) => times[servers.findIndex((server) => server.name.startsWith(prefix))];
  const [own, floor, ne] = [at('xendoctor'), at('floor'), at('node_exporter')];
  const f = (t, p) => (t ? `${pct(t, p).toFixed(2)} ms` : 'n/a');
  docRows(
    `/metrics, 64 domains, headers ${values.headers}, ${scrapes} sequential scrapes each: xendoctor p50, p99; floor p99; node_exporter p50, p99; node_exporter/xendoctor p99`,
    loadBefore,
    [
      [
        f(own, 50),
        f(own, 99),
        f(floor, 99),
        f(ne, 50),
        f(ne, 99),
        ne ? ratio(pct(ne, 99), pct(own, 99)) : 'n/a',
      ],
    ],
  );
} finally {
  for (const server of servers) await server.stop();
  rmSync(work, { recursive: true, force: true });
}

async function startXendoctor(host) {
  const child = spawn(
    process.execPath,
    [
      ...values['node-args'].split(' ').filter(Boolean),
      CLI,
      'serve',
      '--replay',
      host,
      '--interval',
      '1h',
      '--web.listen-address',
      '127.0.0.1:0',
      '--web.rate-limit',
      '0', // the limiter is for misbehaving clients; this measures serving
      '--log-level',
      'info',
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...serviceEnvironment(), ...nodeOptions },
    },
  );
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 30_000;
  let port;
  while (!(port && /first status/.test(out))) {
    if (Date.now() > deadline) throw new Error(`serve did not start: ${out}`);
    port ??= /"address":"127\.0\.0\.1:(\d+)"/.exec(out)?.[1];
    await sleep(50);
  }
  await sleep(1000); // the whole first cycle, not only its first probe
  return {
    name: `xendoctor serve${values['node-args'] ? ` (node ${values['node-args']})` : ''}`,
    pid: child.pid,
    url: `http://127.0.0.1:${port}/metrics`,
    port: Number(port),
    stop: () => stop(child),
  };
}

// The least an HTTP scrape costs here: a bare node server answering with a copy of xendoctor's body,
// encoded once. The client's own cost (this node process) is in every latency below, this one's too.
async function startFloor(xendoctor) {
  const { body, type, encoding } = await new Promise((resolve, reject) => {
    http
      .get(xendoctor.url, { headers: HEADERS }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            body: Buffer.concat(chunks),
            type: response.headers['content-type'],
            encoding: response.headers['content-encoding'],
          }),
        );
      })
      .on('error', reject);
  });
  // Through a file: the body (per-domain series) is beyond what one environment variable may hold.
  const bodyFile = path.join(work, 'floor-body');
  writeFileSync(bodyFile, body);
  const script = `
    const body = require('node:fs').readFileSync(process.env.BODY_FILE);
    const server = require('node:http').createServer((q, r) => {
      const headers = { 'Content-Type': process.env.BODY_TYPE, 'Content-Length': body.length };
      if (process.env.BODY_ENCODING) headers['Content-Encoding'] = process.env.BODY_ENCODING;
      r.writeHead(200, headers);
      r.end(body);
    });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BODY_FILE: bodyFile, BODY_TYPE: type, BODY_ENCODING: encoding ?? '' },
  });
  const port = await new Promise((resolve) =>
    child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))),
  );
  return {
    name: 'floor: bare node server, same body',
    pid: child.pid,
    url: `http://127.0.0.1:${port}/metrics`,
    port,
    stop: () => stop(child),
  };
}

async function startNodeExporter() {
  const binary = ['/usr/bin/prometheus-node-exporter', '/usr/bin/node_exporter'].find((file) => {
    try {
      execFileSync(file, ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!binary) {
    console.log('\nprometheus-node-exporter not installed: the comparison is skipped.');
    return undefined;
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).split('\n')[0];
  const port = await freePort();
  // Its default collectors, as Debian ships it; only the address is set.
  const child = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      await get(new http.Agent(), port);
      break;
    } catch {
      await sleep(100);
    }
  }
  return {
    name: `node_exporter (${version.replace(/^node_exporter, version /, '').split(' ')[0]})`,
    pid: child.pid,
    url: `http://127.0.0.1:${port}/metrics`,
    port,
    stop: () => stop(child),
  };
}

async function sequential(list) {
  const agents = list.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const times = list.map(() => []);
  const cpu = list.map(() => 0);
  const bytes = [];
  for (const [i, server] of list.entries()) {
    for (let n = 0; n < 50; n++) await get(agents[i], server.port); // warm-up
    bytes.push((await get(agents[i], server.port, true)).bytes);
  }
  // Blocks of 50, alternating, so a burst of load elsewhere hits both alike.
  for (let done = 0; done < scrapes; done += 50) {
    for (const [i, server] of list.entries()) {
      const before = cpuMs(server.pid);
      for (let n = 0; n < 50; n++) times[i].push((await get(agents[i], server.port)).ms);
      cpu[i] += cpuMs(server.pid) - before;
    }
  }
  for (const agent of agents) agent.destroy();
  const rows = [['server', 'body', 'p50', 'p90', 'p99', 'max', 'server CPU /scrape']];
  list.forEach((server, i) => {
    const t = times[i];
    rows.push([
      server.name,
      `${(bytes[i] / 1024).toFixed(0)} KiB`,
      `${pct(t, 50).toFixed(3)} ms`,
      `${pct(t, 90).toFixed(3)} ms`,
      `${pct(t, 99).toFixed(3)} ms`,
      `${Math.max(...t).toFixed(3)} ms`,
      `${(cpu[i] / t.length).toFixed(3)} ms`,
    ]);
  });
  const ne = list.findIndex((server) => server.name.startsWith('node_exporter'));
  const note =
    ne >= 0
      ? `node_exporter / xendoctor: p50 ${ratio(pct(times[ne], 50), pct(times[0], 50))}, p99 ${ratio(pct(times[ne], 99), pct(times[0], 99))} (goal: xendoctor >= 3x faster, p99 <= 2 ms)`
      : 'goal: p99 <= 2 ms';
  table(
    `Sequential scrapes of /metrics: ${scrapes} per server, keep-alive, alternating blocks of 50`,
    rows,
    `${note}\nlatency = request sent to last byte read, measured in this node process; CPU from /proc/<pid>/stat (10 ms ticks, summed).`,
  );
  return times;
}

async function underWrk(list) {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (caught) {
    // wrk --version exits 1 after printing its version; only a missing binary is fatal here.
    if (caught.code === 'ENOENT') {
      console.log('\nwrk not installed: the load part is skipped.');
      return;
    }
  }
  const rows = [
    ['server', 'connections', 'requests/s', 'p50', 'p90', 'p99', 'non-2xx', 'server CPU /request'],
  ];
  const p99 = {};
  for (const connections of [1, 4]) {
    for (const server of list) {
      const before = cpuMs(server.pid);
      const out = execFileSync(
        'wrk',
        [
          '-t1',
          `-c${connections}`,
          `-d${wrkSeconds}s`,
          '--timeout',
          '2s',
          '--latency',
          ...Object.entries(HEADERS).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
          server.url,
        ],
        { encoding: 'utf8' },
      );
      const cpu = cpuMs(server.pid) - before;
      const result = parseWrk(out);
      p99[`${server.name} ${connections}`] = result.p99;
      rows.push([
        server.name,
        connections,
        result.rps.toFixed(0),
        `${result.p50.toFixed(3)} ms`,
        `${result.p90.toFixed(3)} ms`,
        `${result.p99.toFixed(3)} ms`,
        result.non2xx,
        `${(cpu / (result.requests || 1)).toFixed(3)} ms`,
      ]);
    }
  }
  table(
    `wrk, ${wrkSeconds} s per server and connection count, one thread, 127.0.0.1`,
    rows,
    'wrk and the server share the 2 cores: with 4 connections latency includes queueing behind the others.',
  );
}

function parseWrk(out) {
  const unit = (value, suffix) => Number(value) * { us: 0.001, ms: 1, s: 1000 }[suffix];
  const at = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(out);
    if (!m) throw new Error(`wrk output without ${p}%: ${out}`);
    return unit(m[1], m[2]);
  };
  return {
    p50: at(50),
    p90: at(90),
    p99: at(99),
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

async function renderCost(host) {
  const { Exposition } = await import(path.join(ROOT, 'build/exporter/exposition.js'));
  const { results } = await reportOn(host);
  const snapshot = () => ({
    runs: results.map((result) => ({ result, finishedAt: Date.now() })),
    commandTimeouts: new Map(),
  });
  const bare = new Exposition(false);
  bare.update(snapshot());
  const withProcess = new Exposition(true);
  withProcess.update(snapshot());
  const n = 2000;
  const time = async (fn) => {
    for (let i = 0; i < 200; i++) await fn();
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await fn();
    return Number(process.hrtime.bigint() - started) / 1e3 / n;
  };
  const rows = [['what a scrape computes', 'µs per scrape']];
  rows.push(['cached xendoctor_* text alone', (await time(() => bare.chunks('prometheus'))).toFixed(1)]);
  rows.push([
    "+ prom-client's collectDefaultMetrics (what the daemon serves)",
    (await time(() => withProcess.chunks('prometheus'))).toFixed(1),
  ]);
  rows.push([
    'the same, OpenMetrics and gzip (what Prometheus asks; the cached part compressed once per cycle)',
    (await time(() => withProcess.chunks('openmetrics', 'gzip'))).toFixed(1),
  ]);
  const rebuild = new Exposition(false);
  rows.push([
    'building and rendering the xendoctor_* text with prom-client (once per cycle, not per scrape)',
    (
      await time(() => {
        rebuild.update(snapshot());
        return rebuild.chunks('prometheus');
      })
    ).toFixed(1),
  ]);
  table('Render cost per scrape, in-process, 64-domain host', rows);
}

function get(agent, port, withBytes = false) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.get(
      { host: '127.0.0.1', port, path: '/metrics', agent, headers: HEADERS },
      (response) => {
        let bytes = 0;
        response.on('data', (chunk) => (bytes += withBytes ? chunk.length : 0));
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode} from :${port}`));
          else resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes });
        });
      },
    );
    request.on('error', reject);
  });
}

// utime + stime of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms).
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Stops a server this benchmark started, by its PID (SIGTERM, then SIGKILL after 5 s).
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
