#!/usr/bin/env node
// xendoctor benchmark suite: `npm run bench` (builds first); `--quick` for fewer rounds, `--only=SECTION`
// (startup, imports, spawn, report, profile, scaling). Prints one markdown table per section. Every figure is
// measured in this run on this machine and every comparison is interleaved (case A, case B, case A, ...),
// so compare ratios within one run, not absolute times across runs or machines.
// Scrape latency, node_exporter and daemon memory live in bench/scrape.mjs (`npm run bench:scrape`).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  docRows,
  load1,
  machine,
  mean,
  median,
  ms,
  pct,
  raisePriority,
  ratio,
  table,
  timeRounds,
} from './lib.mjs';
import { makeSyntheticHost, reportCommands } from './synthetic-host.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const HOSTS = path.join(ROOT, 'test/fixtures/hosts');
const FLOOR = path.join(ROOT, 'bench/spawn-floor.mjs');
const UNBUNDLED_CLI = path.join(ROOT, 'build/cli.js'); // tsc's output, before scripts/bundle.mjs
const REPORT_CHILD_SOURCE = path.join(ROOT, 'bench/report-child.mjs');
const NODE = process.execPath;
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const POOLS = [2, 3, 4, 6, 8];
const DEFAULT_POOL = 4; // the host seam's maxConcurrent default

const loadBefore = load1();
const reniced = raisePriority();
console.log(`# xendoctor benchmarks\n\n${machine()}${quick ? ', --quick' : ''}`);
if (reniced) console.log('(benchmark and its children run at nice -10: other load on the box disturbs less)');

const work = mkdtempSync(path.join(tmpdir(), 'xd-bench-'));
let REPORT_CHILD;
try {
  REPORT_CHILD = await bundleReportChild();
  if (!only || only === 'startup') await startup();
  if (!only || only === 'imports') imports();
  if (!only || only === 'spawn') await spawnCost();
  if (!only || only === 'report') await report();
  if (!only || only === 'profile') await profile();
  if (!only || only === 'scaling') await scaling();
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** bench/report-child.mjs bundled like the CLI (scripts/bundle.mjs), so the pool sweep loads what ships. */
async function bundleReportChild() {
  const { build } = await import('rolldown');
  const dir = path.join(work, 'report-child');
  await build({
    input: REPORT_CHILD_SOURCE,
    platform: 'node',
    logLevel: 'silent',
    write: true,
    output: { dir, format: 'esm' },
  });
  return path.join(dir, 'report-child.js');
}

async function startup() {
  const rounds = quick ? 5 : 21;
  const cases = [
    ['node -e 0', [NODE, '-e', '0']],
    ['xendoctor --version', [NODE, CLI, '--version']],
    ['xendoctor --json (this machine: not Xen)', [NODE, CLI, '--json']],
    [
      'xendoctor --json --replay plain-linux',
      [NODE, CLI, '--json', '--replay', path.join(HOSTS, 'plain-linux')],
    ],
    [
      'xendoctor --json --replay dom0-domu-credit2',
      [NODE, CLI, '--json', '--replay', path.join(HOSTS, 'dom0-domu-credit2')],
    ],
  ];
  cases.push(['unbundled (tsc output): xendoctor --version', [NODE, UNBUNDLED_CLI, '--version']]);
  cases.push(['unbundled (tsc output): xendoctor --json (this machine)', [NODE, UNBUNDLED_CLI, '--json']]);
  cases.push([
    'unbundled (tsc output): --json --replay dom0-domu-credit2',
    [NODE, UNBUNDLED_CLI, '--json', '--replay', path.join(HOSTS, 'dom0-domu-credit2')],
  ]);
  const times = timeRounds(
    cases.map(([, argv]) => ({ argv })),
    rounds,
  );
  const base = median(times[0].wall);
  const baseCpu = times[0].cpuMs;
  const rows = [['command', 'wall median', 'wall p90', 'CPU (mean)', 'vs node -e 0']];
  const doc = [];
  cases.forEach(([label], i) => {
    const t = times[i];
    rows.push([label, ms(median(t.wall)), ms(pct(t.wall, 90)), ms(t.cpuMs), ratio(median(t.wall), base)]);
    doc.push([
      `\`${label}\``,
      ms(median(t.wall)),
      ms(t.cpuMs),
      ratio(median(t.wall), base),
      ratio(t.cpuMs, baseCpu),
    ]);
  });
  table(
    `Start-up: one-shot report vs bare node, ${rounds} interleaved rounds (goal: --json on a non-Xen host <= 2x)`,
    rows,
    'The report path loads dist/cli.js (the Node.js version check), then one file, dist/run-cli.js\n' +
      '(scripts/bundle.mjs): args, host seam, context, probes, parsers, remedies as data, report;\n' +
      'serve/fix/capture, yaml and bcryptjs are chunks loaded only when asked for.\n' +
      '"unbundled" = the same code as tsc writes it (build/, ~90 modules): what the bundle saves in loading.',
  );
  docRows(
    `cold start, ${rounds} interleaved rounds: command, wall median, CPU mean, wall vs node -e 0, CPU vs node -e 0 (goal: --json <= 2x)`,
    loadBefore,
    doc,
  );
}

function imports() {
  const rounds = quick ? 5 : 11;
  const mods = ['prom-client', 'pino', 'node-cron'];
  const cases = [
    { argv: [NODE, '--input-type=module', '-e', '0'] },
    ...mods.map((mod) => ({ argv: [NODE, '--input-type=module', '-e', `await import('${mod}')`] })),
  ];
  const times = timeRounds(cases, rounds);
  const base = median(times[0].wall);
  const rows = [['module', 'import cost (wall median minus bare node)']];
  mods.forEach((mod, i) => rows.push([mod, ms(median(times[i + 1].wall) - base)]));
  table(
    `Import cost of the daemon's packages (the report path loads none), ${rounds} interleaved rounds`,
    rows,
  );
}

async function spawnCost() {
  const n = quick ? 100 : 400;
  const dir = path.join(work, 'spawn-host');
  makeSyntheticHost(dir, { domains: 2, ports: 2 });
  const execFileP = promisify(execFile);
  const { createHost } = await import(path.join(ROOT, 'build/host/host.js'));
  const host = createHost({ path: ['/usr/bin', '/bin'] });
  const fake = createHost({ root: dir, path: [path.join(dir, 'commands')] });
  const measure = async (fn) => {
    for (let i = 0; i < 10; i++) await fn();
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return (performance.now() - t) / n;
  };
  const rows = [['how', `per command (mean of ${n}, sequential)`]];
  rows.push(['child_process.execFile /bin/true', ms(await measure(() => execFileP('true')))]);
  rows.push([
    'host.run /bin/true (spawn + timeout + process group)',
    ms(await measure(() => host.run(['true']))),
  ]);
  rows.push([
    'host.run fake `xen-diag gnttab_query_size 1` (sh replayer, 1 line)',
    ms(await measure(() => fake.run(['xen-diag', 'gnttab_query_size', '1']))),
  ]);
  rows.push([
    'host.run fake `ethtool -k vif1.0` (sh replayer, 60 lines)',
    ms(await measure(() => fake.run(['ethtool', '-k', 'vif1.0']))),
  ]);
  table(
    'Process spawn cost',
    rows,
    'The synthetic hosts fake xl/xen-diag/ethtool with a shell script that prints a stored reply using builtins\n' +
      'only; it costs more than /bin/true (a shell starts and reads the reply), which is why the report is\n' +
      'compared with spawning the very same fake commands as well as with /bin/true.',
  );
}

/** Writes the floor's command lists (the report's own fake commands, and as many /bin/true) for a host. */
async function floorLists(dir, tag) {
  const fake = await reportCommands(dir);
  const fakeFile = path.join(work, `${tag}-fake.json`);
  const trueFile = path.join(work, `${tag}-true.json`);
  writeFileSync(fakeFile, JSON.stringify(fake));
  writeFileSync(trueFile, JSON.stringify(fake.map(() => ['/bin/true'])));
  return { count: fake.length, fakeFile, trueFile };
}

async function report() {
  const rounds = quick ? 3 : 9;
  const dir = path.join(work, 'host-64');
  makeSyntheticHost(dir, { domains: 64, ports: 128 });
  const { count, fakeFile, trueFile } = await floorLists(dir, 'host-64');
  const cases = [];
  for (const pool of POOLS) {
    cases.push({ kind: 'true', pool, argv: [NODE, FLOOR, trueFile, String(pool)] });
    cases.push({ kind: 'fake', pool, argv: [NODE, FLOOR, fakeFile, String(pool)] });
    cases.push({ kind: 'report', pool, argv: [NODE, REPORT_CHILD, dir, String(pool)] });
  }
  cases.push({ kind: 'cli', pool: DEFAULT_POOL, argv: [NODE, CLI, '--json', '--replay', dir] });
  const times = timeRounds(cases, rounds);
  const get = (kind, pool) => times[cases.findIndex((c) => c.kind === kind && c.pool === pool)];
  const best = (kind) => Math.min(...POOLS.map((p) => median(get(kind, p).wall)));
  const bestTrue = best('true');
  const bestFake = best('fake');
  const rows = [
    [
      'pool',
      'floor /bin/true',
      'floor fake cmds',
      'report',
      'report CPU',
      'fake floor CPU',
      'report / best fake floor',
      'report / best /bin/true floor',
    ],
  ];
  for (const pool of POOLS) {
    const r = get('report', pool);
    rows.push([
      pool,
      ms(median(get('true', pool).wall)),
      ms(median(get('fake', pool).wall)),
      ms(median(r.wall)),
      ms(r.cpuMs),
      ms(get('fake', pool).cpuMs),
      ratio(median(r.wall), bestFake),
      ratio(median(r.wall), bestTrue),
    ]);
  }
  const cli = get('cli', DEFAULT_POOL);
  rows.push([
    `CLI (${DEFAULT_POOL})`,
    '',
    '',
    ms(median(cli.wall)),
    ms(cli.cpuMs),
    '',
    ratio(median(cli.wall), bestFake),
    ratio(median(cli.wall), bestTrue),
  ]);
  table(
    `Full report, synthetic host: 64 domains, 128 bridge ports, ${count} commands; wall medians of ${rounds} interleaved rounds (goal: <= 1.3x the floor)`,
    rows,
    'floor = a bare node process that spawns the same number of processes with that pool and reads their output\n' +
      '(bench/spawn-floor.mjs): either /bin/true, or the very commands the report runs (the sh replayer with\n' +
      "the same arguments). report = bench/report-child.mjs (the CLI's modules and runReport with the pool set);\n" +
      'CLI = `xendoctor --json --replay` at the default pool. CPU = the whole process tree (node + children).',
  );
}

/** Where the report's own time goes on the 64-domain host: V8's CPU profile of one run, by self time. */
async function profile() {
  const { spawnSync } = await import('node:child_process');
  const { readdirSync, readFileSync } = await import('node:fs');
  const dir = path.join(work, 'host-64');
  makeSyntheticHost(dir, { domains: 64, ports: 128 });
  const profiles = path.join(work, 'profiles');
  const runs = quick ? 1 : 3;
  for (let i = 0; i < runs; i++) {
    spawnSync(NODE, ['--cpu-prof', '--cpu-prof-dir', profiles, REPORT_CHILD, dir, String(DEFAULT_POOL)], {
      stdio: 'ignore',
    });
  }
  const buckets = new Map();
  let total = 0;
  for (const file of readdirSync(profiles)) {
    const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(path.join(profiles, file), 'utf8'));
    const self = new Map();
    samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (timeDeltas[i] ?? 0)));
    for (const node of nodes) {
      const us = self.get(node.id) ?? 0;
      const { functionName: fn, url } = node.callFrame;
      const bucket =
        fn.endsWith('spawn') && url.includes('child_process')
          ? 'ChildProcess.spawn (fork + exec, blocks the event loop)'
          : fn === '(idle)'
            ? 'idle (waiting for children)'
            : fn === '(garbage collector)'
              ? 'garbage collector'
              : url.includes('/report-child/')
                ? "xendoctor's own code (probes, parsers, seam, report)"
                : url.includes('modules/esm') || fn === 'compileSourceTextModule'
                  ? 'module loading'
                  : 'node internals (streams, sockets, fs, timers) and other';
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + us);
      total += us;
    }
  }
  const rows = [['where', `ms per run (mean of ${runs})`, 'share']];
  for (const [bucket, us] of [...buckets].sort((a, b) => b[1] - a[1])) {
    rows.push([bucket, ms(us / 1000 / runs), `${((100 * us) / total).toFixed(0)}%`]);
  }
  table(
    `Where a report's time goes: V8 CPU profile of the report process, 64-domain host, pool ${DEFAULT_POOL}`,
    rows,
    "Node's spawn() forks and waits for the exec in the main thread, so spawns are serialised whatever the\n" +
      'pool: a larger pool overlaps only the children running, which is why pools of 2-8 cost the same here.',
  );
}

async function scaling() {
  const rounds = quick ? 3 : 5;
  const sizes = quick ? [1, 64] : [1, 16, 64, 256];
  const points = [];
  const rows = [
    [
      'domains',
      'ports',
      'commands',
      'report wall',
      'floor (fake cmds)',
      'floor (/bin/true)',
      'report - fake floor',
      'report CPU',
      'report / fake floor',
    ],
  ];
  for (const domains of sizes) {
    const dir = path.join(work, `scale-${domains}`);
    makeSyntheticHost(dir, { domains, ports: domains * 2 });
    const { count, fakeFile, trueFile } = await floorLists(dir, `scale-${domains}`);
    const [rep, fake, bare] = timeRounds(
      [
        { argv: [NODE, CLI, '--json', '--replay', dir] },
        { argv: [NODE, FLOOR, fakeFile, String(DEFAULT_POOL)] },
        { argv: [NODE, FLOOR, trueFile, String(DEFAULT_POOL)] },
      ],
      rounds,
    );
    const point = {
      count,
      report: median(rep.wall),
      fake: median(fake.wall),
      bare: median(bare.wall),
    };
    points.push(point);
    rows.push([
      domains,
      domains * 2,
      count,
      ms(point.report),
      ms(point.fake),
      ms(point.bare),
      ms(point.report - point.fake),
      ms(rep.cpuMs),
      ratio(point.report, point.fake),
    ]);
  }
  const fit = (key) => linearFit(points.map((p) => [p.count, p[key]]));
  const r = fit('report');
  const f = fit('fake');
  const b = fit('bare');
  const overheads = points.map((p) => p.report - p.fake);
  table(
    `Scaling: synthetic hosts of ${sizes.join(', ')} domains (2 ports each), pool ${DEFAULT_POOL}, wall medians of ${rounds} interleaved rounds`,
    rows,
    `least-squares fit, wall = intercept + slope x commands:\n` +
      `  report            ${ms(r.intercept)} + ${r.slope.toFixed(2)} ms/command (r^2 ${r.r2.toFixed(3)})\n` +
      `  floor, fake cmds  ${ms(f.intercept)} + ${f.slope.toFixed(2)} ms/command (r^2 ${f.r2.toFixed(3)})\n` +
      `  floor, /bin/true  ${ms(b.intercept)} + ${b.slope.toFixed(2)} ms/command (r^2 ${b.r2.toFixed(3)})\n` +
      `report - fake floor across sizes: ${overheads.map((x) => x.toFixed(0)).join(', ')} ms (mean ${mean(overheads).toFixed(0)} ms): ` +
      'what the report costs beyond its commands (module loading, probes, parsing, JSON).',
  );
}

function linearFit(xy) {
  const n = xy.length;
  const mx = mean(xy.map(([x]) => x));
  const my = mean(xy.map(([, y]) => y));
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of xy) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  const slope = n > 1 && sxx > 0 ? sxy / sxx : 0;
  return { slope, intercept: my - slope * mx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1 };
}
