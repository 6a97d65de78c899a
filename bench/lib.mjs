// Shared helpers of the benchmarks: timing of whole commands (wall and CPU, interleaved so that a burst of
// load elsewhere on the machine hits every case alike), percentiles, markdown tables.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

export const median = (xs) => pct(xs, 50);
export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const ms = (x) => `${x.toFixed(1)} ms`;
export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const ratio = (a, b) => `${(a / b).toFixed(2)}x`;

/** Prints a markdown table; the first row is the header. */
export function table(title, rows, note) {
  console.log(`\n## ${title}\n`);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  rows.forEach((row, n) => {
    console.log(`| ${row.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`);
    if (n === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  });
  if (note) console.log(`\n${note}`);
}

/** CPU time (user + system) of this process's waited-for children and their descendants, in ms. */
export function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
}
const clockTicks = 100; // sysconf(_SC_CLK_TCK) is 100 on every Linux Node supports

/**
 * Runs each case `rounds` times, round-robin (case 1, case 2, ..., case 1, ...) after one warm-up each.
 * Returns per case { wall: ms[], cpuMs } where cpuMs is the mean CPU of the command's whole process tree
 * (read from this process's children times: 10 ms ticks, so only the mean over rounds is meaningful).
 */
export function timeRounds(cases, rounds) {
  const out = cases.map(() => ({ wall: [], cpuTotal: 0 }));
  for (const c of cases) run(c);
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, i) => {
      const cpu = childrenCpuMs();
      const t = performance.now();
      run(c);
      out[i].wall.push(performance.now() - t);
      out[i].cpuTotal += childrenCpuMs() - cpu;
    });
  }
  return out.map(({ wall, cpuTotal }) => ({ wall, cpuMs: cpuTotal / rounds }));
}

function run({ argv, env }) {
  const result = spawnSync(argv[0], argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: env ? { ...process.env, ...env } : process.env,
  });
  if (result.error) throw result.error;
  if (result.status !== 0 && result.status !== 1 && result.status !== 2) {
    // 0/1/2 are the report's healthy/warn/fail exit codes; anything else is a broken benchmark.
    throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
}

/** One line about the machine for the header of every benchmark. */
export function machine() {
  const cpus = os.cpus();
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  let priority = '';
  try {
    priority = `, nice ${os.getPriority()}`;
  } catch {
    // not available
  }
  return `node ${process.version}, ${os.platform()} ${os.release()}, ${cpus.length} x ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load ${load}${priority}`;
}

/** Raises this process's priority when allowed (root): other load on the box then disturbs less. */
export function raisePriority() {
  try {
    os.setPriority(-10);
    return true;
  } catch {
    return false;
  }
}

/**
 * The environment the systemd unit gives the daemon (its Environment= lines other than XENDOCTOR_DAEMON),
 * so the benchmarks run `serve` as shipped. openrc/xendoctor.confd exports the same (a test checks both).
 */
export function serviceEnvironment() {
  const unit = readFileSync(new URL('../systemd/xendoctor.service', import.meta.url), 'utf8');
  const env = {};
  for (const [, quoted, plain] of unit.matchAll(/^Environment=(?:"([^"]*)"|(\S+))$/gm)) {
    const assignment = quoted ?? plain;
    const eq = assignment.indexOf('=');
    const name = assignment.slice(0, eq);
    if (name !== 'XENDOCTOR_DAEMON') env[name] = assignment.slice(eq + 1);
  }
  return env;
}

/** The 1-minute load average, as printed before and after a benchmark. */
export const load1 = () => os.loadavg()[0].toFixed(1);

/**
 * What every benchmark prints last: a line per figure ready to paste into docs/performance.md, with the
 * date, the commit measured and the load average before and after the run (the machine may be shared).
 */
export function docRows(title, loadBefore, rows) {
  let commit = 'unknown';
  try {
    const git = (args) => spawnSync('git', args, { encoding: 'utf8' }).stdout.trim();
    commit = git(['rev-parse', '--short', 'HEAD']) + (git(['status', '--porcelain']) ? '+dirty' : '');
  } catch {
    // not a git checkout
  }
  const stamp = [new Date().toISOString().slice(0, 10), commit, `load ${loadBefore} -> ${load1()}`];
  console.log(`\n## Rows for docs/performance.md (${title})\n`);
  for (const row of rows) console.log(`| ${[...stamp, ...row].join(' | ')} |`);
}
