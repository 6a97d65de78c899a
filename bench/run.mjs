#!/usr/bin/env node
// xendoctor benchmark suite: `npm run bench` (builds first). Prints one table per section; every figure is
// measured in this run on this machine, so compare ratios within one run, not across machines.
// Sections: start-up (report vs bare node), import cost of each candidate dependency, process spawn cost
// (child_process vs execa vs the host seam), full report on synthetic hosts of 1..256 domains vs the spawn
// floor. Scrape latency and daemon memory live in bench/daemon.mjs (`npm run bench:daemon`).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeSyntheticHost } from './synthetic-host.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');
const HOSTS = path.join(ROOT, 'test/fixtures/hosts');
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x) => `${x.toFixed(1)} ms`;

function table(title, rows) {
  console.log(`\n## ${title}\n`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  rows.forEach((row, n) => {
    console.log(`| ${row.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`);
    if (n === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  });
}

/** Wall time of a whole command, median of n runs (after one warm-up). */
function timeCommand(argv, n) {
  spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
    times.push(performance.now() - t);
  }
  return times;
}

function startup() {
  const n = quick ? 5 : 21;
  const floor = timeCommand([process.execPath, '-e', '0'], n);
  const rows = [['command', 'median', 'p90', 'vs node -e 0']];
  const add = (label, times) =>
    rows.push([
      label,
      ms(median(times)),
      ms(pct(times, 90)),
      `${(median(times) / median(floor)).toFixed(2)}x`,
    ]);
  add('node -e 0', floor);
  add('xendoctor --version', timeCommand([process.execPath, CLI, '--version'], n));
  add(
    'xendoctor --json (plain-linux replay)',
    timeCommand([process.execPath, CLI, '--json', '--replay', path.join(HOSTS, 'plain-linux')], n),
  );
  add(
    'xendoctor --json (dom0 + domU replay)',
    timeCommand([process.execPath, CLI, '--json', '--replay', path.join(HOSTS, 'dom0-domu-credit2')], n),
  );
  table('Start-up: one-shot report vs bare node (goal: <= 2x on a non-Xen host)', rows);
}

function imports() {
  const n = quick ? 5 : 11;
  const base = median(timeCommand([process.execPath, '--input-type=module', '-e', '0'], n));
  const rows = [['module', 'import cost (median, minus bare node)']];
  for (const mod of ['execa', 'prom-client', 'systeminformation', 'pino', 'node-cron']) {
    const t = median(
      timeCommand([process.execPath, '--input-type=module', '-e', `await import('${mod}')`], n),
    );
    rows.push([mod, ms(t - base)]);
  }
  table('Import cost of candidate dependencies', rows);
}

async function spawnCost() {
  const n = quick ? 100 : 400;
  const execFileP = promisify(execFile);
  const { execa } = await import('execa');
  const { createHost } = await import(path.join(ROOT, 'dist/host/host.js'));
  const host = createHost({ path: ['/usr/bin', '/bin'] });
  const measure = async (fn) => {
    for (let i = 0; i < 10; i++) await fn();
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    return (performance.now() - t) / n;
  };
  const rows = [['how', `per spawn of /bin/true (mean of ${n}, sequential)`]];
  rows.push(['child_process.execFile', ms(await measure(() => execFileP('true')))]);
  rows.push(['execa 9', ms(await measure(() => execa('true')))]);
  rows.push([
    'xendoctor host.run (spawn + timeout + process group)',
    ms(await measure(() => host.run(['true']))),
  ]);
  table('Process spawn cost', rows);
}

async function scaling() {
  const sizes = quick ? [1, 64] : [1, 16, 64, 256];
  const rows = [['domains', 'ports', 'commands', 'report wall', 'spawn floor', 'ratio']];
  for (const domains of sizes) {
    const dir = mkdtempSync(path.join(tmpdir(), 'xd-bench-'));
    try {
      const host = makeSyntheticHost(dir, { domains, ports: domains * 2 });
      const argv = [process.execPath, CLI, '--json', '--replay', dir];
      const report = median(timeCommand(argv, quick ? 3 : 7));
      const floor = median(await spawnFloor(host.commandCount, quick ? 3 : 7));
      rows.push([
        domains,
        domains * 2,
        host.commandCount,
        ms(report),
        ms(floor),
        `${(report / floor).toFixed(2)}x`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  table('Full report on synthetic hosts (fake commands answer at once) vs the spawn floor', rows);
  console.log(
    '\nspawn floor: node start-up plus spawning the same number of trivial processes (/bin/true) with a pool of 4,\n' +
      "the host seam's default concurrency (the best measured here), in one node process.",
  );
}

/** A node process that spawns `count` trivial processes with a pool of 4: the least a report could cost. */
function spawnFloor(count, n) {
  const script = `
    const { spawn } = require('node:child_process');
    let next = 0, done = 0; const total = ${count};
    const one = () => { if (next >= total) return; next++;
      spawn('/bin/true', [], { stdio: 'ignore' }).on('close', () => { done++; if (done === total) process.exit(0); one(); }); };
    if (total === 0) process.exit(0);
    for (let i = 0; i < 4; i++) one();`;
  return Promise.resolve(timeCommand([process.execPath, '-e', script], n));
}

console.log(
  `# xendoctor benchmarks\n\nnode ${process.version}, ${(await import('node:os')).cpus().length} cores${quick ? ', --quick' : ''}`,
);
if (!only || only === 'startup') startup();
if (!only || only === 'imports') imports();
if (!only || only === 'spawn') await spawnCost();
if (!only || only === 'scaling') await scaling();
