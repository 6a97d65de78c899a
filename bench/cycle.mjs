#!/usr/bin/env node
// Cycle cost benchmark (issue 15; not a unit test): `npm run bench:cycle [-- --rounds 10 --sizes 1,64,256]`.
// The daemon (build/exporter/daemon.js, manual clock, all probe groups once = one cycle, as `serve` runs
// them) on the synthetic hosts of bench/synthetic-host.mjs (N domains, 2N bridge ports, made up). Per size:
// the series /metrics serves, the processes a cycle starts, and per cycle the wall time and the CPU time
// of node itself and of the commands it ran. Sizes are interleaved round by round so load elsewhere on the
// machine hits all of them alike. The count of commands is also a unit test (test/cycle-commands.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { childrenCpuMs, docRows, load1, machine, median, ms, raisePriority, table } from './lib.mjs';
import { makeSyntheticHost } from './synthetic-host.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = path.join(ROOT, 'build');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '1,64,256' },
  },
});
const rounds = Number(values.rounds);
const sizes = values.sizes.split(',').map(Number);

const loadBefore = load1();
const reniced = raisePriority();
console.log(`# xendoctor cycle cost\n\n${machine()}`);
if (reniced) console.log('(benchmark and its children run at nice -10)');

const [{ startDaemon }, { probes }, { defaultSettings }] = await Promise.all([
  import(path.join(BUILD, 'exporter/daemon.js')),
  import(path.join(BUILD, 'probes/index.js')),
  import(path.join(BUILD, 'context.js')),
]);
const quiet = { info() {}, warn() {}, error() {}, debug() {}, child: () => quiet };

const work = mkdtempSync(path.join(tmpdir(), 'xd-cycle-'));
const daemons = [];
try {
  for (const domains of sizes) daemons.push(await start(domains));
  for (const d of daemons) await cycle(d); // warm-up: first status, JIT
  for (const d of daemons) d.samples.length = 0;
  for (let r = 0; r < rounds; r++) for (const d of daemons) await cycle(d);

  const rows = [
    [
      'domains',
      'bridge ports',
      'series served',
      'of them xendoctor_*',
      'commands /cycle',
      'wall /cycle (median)',
      'node CPU /cycle',
      'commands CPU /cycle',
    ],
  ];
  const doc = [];
  for (const d of daemons) {
    const { all, own } = await series(d.daemon);
    const commands = new Set(d.samples.map((s) => s.commands));
    const row = [
      d.domains,
      d.domains * 2,
      all,
      own,
      [...commands].join('/'),
      ms(median(d.samples.map((s) => s.wall))),
      ms(median(d.samples.map((s) => s.nodeCpu))),
      ms(median(d.samples.map((s) => s.childCpu))),
    ];
    rows.push(row);
    doc.push(row);
  }
  table(
    `One daemon cycle (every probe group once) on synthetic hosts, medians of ${rounds} interleaved rounds`,
    rows,
    'series = sample lines of /metrics (prom-client default process metrics included). commands = processes\n' +
      'the cycle started (6 + domains + ports + bridges: one xen-diag per domain, one ethtool per port and bridge,\n' +
      "the rest once). CPU from process.cpuUsage (node) and this process's reaped children (the fake commands, 10 ms ticks).",
  );
  docRows(
    'cycle cost: domains, ports, series, xendoctor_*, commands, wall, node CPU, commands CPU',
    loadBefore,
    doc,
  );
} finally {
  for (const d of daemons) await d.daemon.stop();
  rmSync(work, { recursive: true, force: true });
}

async function start(domains) {
  const root = path.join(work, `host-${domains}`);
  makeSyntheticHost(root, { domains, ports: domains * 2 });
  const daemon = await startDaemon({
    config: {
      file: undefined,
      listen: { host: '127.0.0.1', port: 0 },
      telemetryPath: '/metrics',
      intervalSeconds: 1,
      logLevel: 'silent',
      logFormat: 'json',
      checks: {},
      settings: defaultSettings,
      host: { root, path: [path.join(root, 'commands')] },
    },
    probes,
    log: quiet,
    manual: true,
  });
  const entry = { domains, daemon, samples: [], commands: 0 };
  // Count the processes each cycle started, as the daemon records them.
  const record = daemon.state.record.bind(daemon.state);
  daemon.state.record = (c) => {
    entry.commands += c.commands.length;
    record(c);
  };
  return entry;
}

async function cycle(entry) {
  entry.commands = 0;
  const cpu = process.cpuUsage();
  const children = childrenCpuMs();
  const started = performance.now();
  for (const group of entry.daemon.groups) await entry.daemon.schedule.runGroup(group);
  const wall = performance.now() - started;
  const spent = process.cpuUsage(cpu);
  entry.samples.push({
    wall,
    nodeCpu: (spent.user + spent.system) / 1000,
    childCpu: childrenCpuMs() - children,
    commands: entry.commands,
  });
}

async function series(daemon) {
  const text = Buffer.concat(await daemon.state.exposition.chunks('prometheus')).toString('utf8');
  const lines = text.split('\n').filter((line) => line && !line.startsWith('#'));
  return { all: lines.length, own: lines.filter((line) => line.startsWith('xendoctor_')).length };
}
