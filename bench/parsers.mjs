#!/usr/bin/env node
// How fast each parser is on 10 MB (`npm run bench:parsers`, builds first): the real output of the
// dom0-domu-credit2 capture repeated to 10 MB, and 10 MB of junk bytes. test/properties/huge.test.ts only
// asserts that the growth from 1 MB to 10 MB is linear; the time itself is measured here, in CPU ms of this
// process (median of 3 fresh inputs), on this machine and this run only.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, ms, table } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = path.join(ROOT, 'test/fixtures/hosts/dom0-domu-credit2');
const SIZE = 10 * 1024 * 1024;
const load = (module) => import(path.join(ROOT, 'build/parsers', `${module}.js`));

const { parseCpuinfo } = await load('cpuinfo');
const { findBootLine, grepLines } = await load('dmesg');
const { parseEthtoolFeatures } = await load('ethtool-features');
const { parseUnitFiles } = await load('systemctl');
const { parseGnttabQuerySize } = await load('xen-diag');
const { parseXlDmesg } = await load('xl-dmesg');
const { parseXlInfo } = await load('xl-info');
const { parseXlListJson } = await load('xl-list-json');
const { parseXlList } = await load('xl-list');

const reply = (argv) => readFileSync(path.join(HOST, 'commands/replies', `${argv}.stdout`), 'utf8');
const CASES = [
  ['cpuinfo', parseCpuinfo, readFileSync(path.join(HOST, 'proc/cpuinfo'), 'utf8')],
  ['dmesg', (t) => [findBootLine(t), grepLines(t, 'Xen').length], reply('dmesg')],
  ['ethtool-features', parseEthtoolFeatures, reply('ethtool -k xenbr0')],
  ['systemctl', parseUnitFiles, reply('systemctl list-unit-files --no-pager xen*')],
  ['xen-diag', parseGnttabQuerySize, reply('xen-diag gnttab_query_size 0')],
  ['xl-dmesg', parseXlDmesg, reply('xl dmesg')],
  ['xl-info', parseXlInfo, reply('xl info')],
  ['xl-list-json', parseXlListJson, reply('xl list -l')],
  ['xl-list', parseXlList, reply('xl list')],
];

// Deterministic junk bytes (xorshift32), decoded as UTF-8 as the host seam decodes command output.
function junk(size) {
  const bytes = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes.toString('utf8');
}

/** CPU ms of one parse of a fresh flat copy of `text` (a throw is a refusal: as good as an answer here). */
function cpuMs(parse, text) {
  const input = Buffer.from(text, 'utf8').toString('utf8');
  const before = process.cpuUsage();
  try {
    parse(input);
  } catch {
    // refused
  }
  const spent = process.cpuUsage(before);
  return (spent.user + spent.system) / 1000;
}

const noise = junk(SIZE);
const rows = [['parser', 'real output x 10 MB', '10 MB junk']];
for (const [name, parse, sample] of CASES) {
  const repeated = sample.repeat(Math.ceil(SIZE / sample.length));
  cpuMs(parse, sample); // compile first
  const real = median([0, 1, 2].map(() => cpuMs(parse, repeated)));
  const garbage = median([0, 1, 2].map(() => cpuMs(parse, noise)));
  rows.push([name, ms(real), ms(garbage)]);
}
table('Parsers on 10 MB (CPU time, median of 3)', rows);
