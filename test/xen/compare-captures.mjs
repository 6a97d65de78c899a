// Compares a fresh `xendoctor capture` from the real-Xen test VM with a committed fixture host: which files
// and command replies one has and the other lacks, which replies differ, and how the two replayed reports
// differ per check. Informational: it tells a maintainer when test/fixtures/hosts has drifted from what a
// real dom0 shows (refresh a fixture only from a real capture, and say so in its CAPTURED.md).
//
// usage: node test/xen/compare-captures.mjs CAPTURE_DIR FIXTURE_DIR    (needs a built dist/cli.js)
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const [capture, fixture] = process.argv.slice(2);
if (!capture || !fixture) {
  console.error('usage: node test/xen/compare-captures.mjs CAPTURE_DIR FIXTURE_DIR');
  process.exit(2);
}
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const META = new Set(['CAPTURED.md', 'REPORT.json', 'replay.sh', 'MADE-UP.md']);

/** Relative paths of regular files (and links) under dir; /proc/<pid>/ is summarised (pids differ by boot). */
function files(dir, base = dir, out = new Set()) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const rel = path.relative(base, full);
    if (META.has(rel) || /^proc\/\d+$/.test(rel)) continue;
    if (lstatSync(full).isDirectory()) files(full, base, out);
    else out.add(rel);
  }
  return out;
}

function replay(dir) {
  const r = spawnSync(process.execPath, [CLI, '--replay', dir, '--json'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { checks: [], error: r.stderr };
  }
}

const a = files(capture);
const b = files(fixture);
const onlyCapture = [...a].filter((f) => !b.has(f)).sort();
const onlyFixture = [...b].filter((f) => !a.has(f)).sort();
const differ = [...a]
  .filter((f) => b.has(f) && f.startsWith('commands/replies/'))
  .filter((f) => !readFileSync(path.join(capture, f)).equals(readFileSync(path.join(fixture, f))))
  .sort();
const pids = (dir) =>
  existsSync(path.join(dir, 'proc'))
    ? readdirSync(path.join(dir, 'proc')).filter((n) => /^\d+$/.test(n)).length
    : 0;

const ra = replay(capture);
const rb = replay(fixture);
const checkDiffs = [];
for (const c of ra.checks ?? []) {
  const other = (rb.checks ?? []).find((x) => x.id === c.id);
  if (!other) checkDiffs.push(`${c.id}: only in the capture (${c.status})`);
  else if (other.status !== c.status || other.summary !== c.summary) {
    checkDiffs.push(
      `${c.id}: capture ${c.status} "${c.summary}" / fixture ${other.status} "${other.summary}"`,
    );
  }
}

const same = checkDiffs.length === 0;
console.log(
  `${path.basename(capture)} vs fixture ${path.basename(fixture)}: ` +
    `${same ? 'same verdicts and summaries' : `${checkDiffs.length} check(s) differ`}; ` +
    `${onlyCapture.length} file(s) only in the capture, ${onlyFixture.length} only in the fixture, ` +
    `${differ.length} command repl(ies) differ`,
);
const section = (title, lines) => {
  if (lines.length === 0) return;
  console.log(`\n${title}:`);
  for (const line of lines) console.log(`  ${line}`);
};
section('checks that differ when replayed', checkDiffs);
section('only in the capture (the checks read it; the fixture lacks it)', onlyCapture);
section('only in the fixture', onlyFixture);
section('command replies that differ', differ);
console.log(`\nprocesses: ${pids(capture)} in the capture, ${pids(fixture)} in the fixture`);
