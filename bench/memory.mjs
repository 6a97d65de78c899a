#!/usr/bin/env node
// Daemon memory benchmark (not a unit test): `node bench/memory.mjs [--cycles 1000] [--checkpoint 200]
// [--variants default,service] [--skip-floors]` after `npm run build`.
//  1. RSS floors: what a node process costs here before xendoctor does anything (bare, with an HTTP
//     server, with each of the daemon's packages, with the daemon's own modules), and what a
//     bare node process costs that only spawns the 64-domain host's commands every second.
//  2. `xendoctor serve --interval 1` on the synthetic 64-domain / 128-port host (bench/synthetic-host.mjs),
//     for N completed cycles (real 1 s clock), per variant of the memory settings: RSS at the checkpoint
//     and at the end, the trend in between (least squares over samples taken every 25 cycles), and CPU
//     per cycle (node itself, and the fake commands it ran).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { docRows, load1, machine, mean, median, serviceEnvironment, table } from './lib.mjs';
import { makeSyntheticHost, reportCommands } from './synthetic-host.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const NODE = process.execPath;
const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '1000' },
    checkpoint: { type: 'string', default: '200' },
    variants: { type: 'string', default: 'default,service' },
    'skip-floors': { type: 'boolean', default: false },
  },
});

// The settings the service files ship (systemd/xendoctor.service, openrc/xendoctor.confd), and others
// measured to decide. The daemon changes no V8 flag itself and forces no GC.
const SHIPPED = serviceEnvironment();
const SHIPPED_NODE_OPTIONS = SHIPPED.NODE_OPTIONS;
const VARIANTS = {
  default: { env: {}, node: [] },
  service: { env: SHIPPED, node: [] },
  'no-arena-max': { env: { NODE_OPTIONS: SHIPPED_NODE_OPTIONS }, node: [] },
  // The heap limit Node derives from this machine's memory instead of the shipped one (decision 0008).
  'no-heap-limit': {
    env: { ...SHIPPED, NODE_OPTIONS: SHIPPED_NODE_OPTIONS.replace(/ ?--max-old-space-size=\d+/, '') },
    node: [],
  },
  jitless: { env: { ...SHIPPED, NODE_OPTIONS: `${SHIPPED_NODE_OPTIONS} --jitless` }, node: [] },
  // Diagnostic, never shipped: node-cron's Intl.DateTimeFormat answered without ICU (bench/no-icu.cjs), to
  // measure what ICU's data and code cost the daemon.
  'no-icu': { env: SHIPPED, node: ['--require', path.join(ROOT, 'bench/no-icu.cjs')] },
};

const kb = (x) => `${(x / 1024).toFixed(1)} MB`;

/** VmRSS, RssAnon, RssFile of a process, in kB. */
function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
}

/** CPU of a process (utime + stime) and of its waited-for children (cutime + cstime), in ms. */
function cpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { self: (Number(f[11]) + Number(f[12])) * 10, children: (Number(f[13]) + Number(f[14])) * 10 };
}

const loadBefore = load1();
const work = mkdtempSync(path.join(tmpdir(), 'xd-memory-'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
try {
  console.log(`# xendoctor daemon memory\n\n${machine()}`);
  const host = path.join(work, 'host-64');
  makeSyntheticHost(host, { domains: 64, ports: 128 });
  if (!values['skip-floors']) await floors(host);
  if (values.variants) await daemonRuns(host); // --variants= (empty): the floors only
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function floors(host) {
  const listen = "(await import('node:http')).createServer(() => {}).listen(0, '127.0.0.1');";
  const cases = [
    ['bare node (setInterval)', ''],
    ['+ HTTP server listening', listen],
    ['+ prom-client (the daemon loads all three)', `await import('prom-client');${listen}`],
    ['+ pino', `await import('pino');${listen}`],
    ['+ node-cron', `await import('node-cron');${listen}`],
    // node-cron works out every tick with Intl.DateTimeFormat, which maps ICU's data in the node binary.
    [
      'bare node + one Intl.DateTimeFormat used once (what node-cron makes for its ticks)',
      "new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', timeZoneName: 'shortOffset' }).formatToParts(new Date());",
    ],
    [
      '+ node-cron ticking every second',
      `(await import('node-cron')).default.schedule('* * * * * *', () => {});${listen}`,
    ],
    [
      '+ prom-client, pino, node-cron',
      `await import('prom-client');await import('pino');await import('node-cron');${listen}`,
    ],
    [
      '+ prom-client, pino, node-cron ticking every second (what the daemon loads, doing nothing)',
      `await import('prom-client');await import('pino');(await import('node-cron')).default.schedule('* * * * * *', () => {});${listen}`,
    ],
    [
      "+ xendoctor's daemon code (the bundle's serve chunk and what it imports)",
      `await import('${path.join(
        ROOT,
        'dist',
        readdirSync(path.join(ROOT, 'dist')).find((f) => f.startsWith('serve-command-')),
      )}');${listen}`,
    ],
  ];
  const rows = [['process (idle 3 s)', 'RSS', 'anon', 'file-backed']];
  for (const [label, code] of cases) {
    const samples = [];
    for (let i = 0; i < 3; i++) {
      const child = spawn(NODE, ['--input-type=module', '-e', `${code} setInterval(() => {}, 1000);`], {
        cwd: ROOT,
        stdio: 'ignore',
      });
      await sleep(3000);
      samples.push(rss(child.pid));
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const pick = (k) => median(samples.map((s) => s[k]));
    rows.push([label, kb(pick('rss')), kb(pick('anon')), kb(pick('file'))]);
  }

  // A node process that does nothing but spawn the report's commands, 1 s apart, with the seam's pool.
  const list = await reportCommands(host);
  const listFile = path.join(work, 'commands.json');
  writeFileSync(listFile, JSON.stringify(list));
  const loop = path.join(ROOT, 'bench/spawn-floor.mjs');
  for (const [label, options, extra] of [
    ['spawn loop: the same commands each second, 60 cycles', '', []],
    ['spawn loop, --max-semi-space-size=1', '--max-semi-space-size=1', []],
    [
      'spawn loop + prom-client, pino, node-cron ticking, as the service files run it',
      SHIPPED_NODE_OPTIONS,
      ['--packages'],
    ],
  ]) {
    const child = spawn(NODE, [loop, listFile, '4', '--cycles', '60', ...extra], {
      stdio: 'ignore',
      env: { ...process.env, ...(extra.length > 0 ? SHIPPED : {}), NODE_OPTIONS: options },
    });
    const samples = [];
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let done = false;
    void exited.then(() => (done = true));
    await sleep(20_000);
    while (!done) {
      try {
        samples.push(rss(child.pid));
      } catch {
        break;
      }
      await sleep(1000);
    }
    await exited;
    const pick = (k) => median(samples.map((s) => s[k]));
    rows.push([`${label} (median after 20 s)`, kb(pick('rss')), kb(pick('anon')), kb(pick('file'))]);
  }
  table(
    `RSS floors: node ${process.version} on this machine`,
    rows,
    'file-backed = pages of the node binary (and libraries) in memory: shared with the page cache, counted in RSS.\n' +
      `The spawn loop runs ${list.length} commands per cycle (bench/spawn-floor.mjs --cycles): the least a node daemon\n` +
      'that spawns them costs, with nothing of xendoctor in it.',
  );
}

async function daemonRuns(host) {
  const cycles = Number(values.cycles);
  const checkpoint = Math.min(Number(values.checkpoint), cycles);
  const rows = [
    [
      'variant',
      'env',
      `RSS @${checkpoint}`,
      `anon @${checkpoint}`,
      `RSS @${cycles}`,
      `max RSS ${checkpoint}-${cycles}`,
      'trend /100 cycles',
      `anon / file @${cycles}`,
      'node CPU /cycle',
      'commands CPU /cycle',
      'skipped ticks',
      'wall',
    ],
  ];
  // node_exporter side by side (Debian's package, default collectors), scraped every second, its RSS
  // sampled when the daemon's is.
  const exporter = startNodeExporter();
  const doc = [];
  for (const name of values.variants.split(',')) {
    const variant = VARIANTS[name];
    if (!variant) throw new Error(`unknown variant ${name} (known: ${Object.keys(VARIANTS).join(', ')})`);
    const r = await runDaemon(host, variant, cycles, checkpoint, exporter?.pid);
    const slope = trend(r.samples.filter((s) => s.cycle >= checkpoint));
    rows.push([
      name,
      [...Object.entries(variant.env).map(([k, v]) => `${k}=${v}`), ...variant.node].join(' ') || '(none)',
      kb(r.atCheckpoint.rss),
      kb(r.atCheckpoint.anon),
      kb(r.atEnd.rss),
      kb(Math.max(r.atEnd.rss, ...r.samples.filter((s) => s.cycle >= checkpoint).map((s) => s.rss))),
      `${slope >= 0 ? '+' : ''}${(slope * 100).toFixed(0)} kB`,
      `${kb(r.atEnd.anon)} / ${kb(r.atEnd.file)}`,
      `${r.nodeCpuPerCycle.toFixed(1)} ms`,
      `${r.childCpuPerCycle.toFixed(1)} ms`,
      r.skipped,
      `${(r.wallMs / 1000).toFixed(0)} s`,
    ]);
    console.log(`(${name} done: ${JSON.stringify({ ...r, samples: r.samples.length })})`);
    // The goal (issue 13): growth from the checkpoint to the end < 1 MB, RSS <= 80 MB; node_exporter beside it.
    doc.push([
      name,
      `${checkpoint}-${cycles}`,
      kb(r.atCheckpoint.rss),
      kb(r.atEnd.rss),
      `${r.atEnd.rss >= r.atCheckpoint.rss ? '+' : ''}${kb(r.atEnd.rss - r.atCheckpoint.rss)}`,
      kb(Math.max(r.atEnd.rss, ...r.samples.filter((s) => s.cycle >= checkpoint).map((s) => s.rss))),
      r.exporterAtEnd ? kb(r.exporterAtEnd.rss) : 'n/a',
      r.exporterAtEnd ? `${(r.atEnd.rss / r.exporterAtEnd.rss).toFixed(2)}x` : 'n/a',
      r.skipped,
    ]);
    if (r.exporterAtEnd) {
      rows.push([
        `node_exporter beside ${name}`,
        exporter.version,
        kb(r.exporterAtCheckpoint.rss),
        kb(r.exporterAtCheckpoint.anon),
        kb(r.exporterAtEnd.rss),
        '',
        '',
        `${kb(r.exporterAtEnd.anon)} / ${kb(r.exporterAtEnd.file)}`,
        '',
        '',
        '',
        '',
      ]);
    }
  }
  exporter?.stop();
  table(
    `xendoctor serve --interval 1 on the synthetic 64-domain, 128-port host, ${cycles} completed cycles`,
    rows,
    `RSS sampled every 25 cycles; trend = least-squares slope of RSS from cycle ${checkpoint} to ${cycles} (growth, if any).\n` +
      `CPU per cycle from /proc/<pid>/stat between cycle ${checkpoint} and ${cycles}: node itself, and the fake\n` +
      'commands it spawned (sh replaying stored replies). Skipped ticks: a cycle still running at the next tick.',
  );
  docRows(
    'daemon memory, 64 domains, 1 s: variant, cycles, RSS at checkpoint, RSS at end, growth, max RSS, node_exporter RSS, xendoctor/node_exporter, skipped ticks',
    loadBefore,
    doc,
  );
}

function startNodeExporter() {
  const binary = ['/usr/bin/prometheus-node-exporter', '/usr/bin/node_exporter'].find((file) => {
    try {
      return readFileSync(file).length > 0;
    } catch {
      return false;
    }
  });
  if (!binary) {
    console.log('\nprometheus-node-exporter not installed: no side-by-side figure.');
    return undefined;
  }
  const port = 19000 + Math.floor(Math.random() * 900);
  const child = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  const scrape = setInterval(() => {
    globalThis
      .fetch(`http://127.0.0.1:${port}/metrics`)
      .then((response) => response.arrayBuffer())
      .catch(() => {});
  }, 1000);
  return {
    pid: child.pid,
    version: path.basename(binary),
    stop() {
      clearInterval(scrape);
      child.kill('SIGTERM');
    },
  };
}

function runDaemon(host, { env, node }, cycles, checkpoint, exporterPid) {
  const child = spawn(
    NODE,
    [
      ...node,
      CLI,
      'serve',
      '--replay',
      host,
      '--interval',
      '1',
      '--web.listen-address',
      '127.0.0.1:0',
      '--log-level',
      'debug',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let count = 0;
    let skipped = 0;
    let pending = '';
    const samples = [];
    let atCheckpoint;
    let cpuAtCheckpoint;
    let exporterAtCheckpoint;
    child.once('exit', (code) => {
      if (count < cycles) reject(new Error(`serve exited ${code} after ${count} cycles`));
    });
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('"msg":"previous cycle still running')) skipped++;
        // A cycle of the 1 s group (the one that holds all checks but those with a schedule of their own).
        if (!line.includes('"msg":"cycle finished"') || !line.includes('"schedule":"*/1 ')) continue;
        count++;
        if (count % 25 === 0 || count === checkpoint) samples.push({ cycle: count, ...rss(child.pid) });
        if (count === checkpoint) {
          atCheckpoint = rss(child.pid);
          cpuAtCheckpoint = cpu(child.pid);
          if (exporterPid) exporterAtCheckpoint = rss(exporterPid);
        }
        if (count === cycles) {
          const atEnd = rss(child.pid);
          const cpuEnd = cpu(child.pid);
          const n = cycles - checkpoint || 1;
          const wallMs = performance.now() - started;
          child.kill('SIGTERM');
          resolve({
            atCheckpoint,
            atEnd,
            exporterAtCheckpoint,
            exporterAtEnd: exporterPid ? rss(exporterPid) : undefined,
            samples,
            skipped,
            wallMs,
            nodeCpuPerCycle: (cpuEnd.self - cpuAtCheckpoint.self) / n,
            childCpuPerCycle: (cpuEnd.children - cpuAtCheckpoint.children) / n,
          });
        }
      }
    });
  });
}

/** Least-squares slope of RSS (kB) per cycle. */
function trend(samples) {
  if (samples.length < 2) return 0;
  const mx = mean(samples.map((s) => s.cycle));
  const my = mean(samples.map((s) => s.rss));
  let sxy = 0;
  let sxx = 0;
  for (const s of samples) {
    sxy += (s.cycle - mx) * (s.rss - my);
    sxx += (s.cycle - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}
