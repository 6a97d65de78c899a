#!/usr/bin/env node
// The least a report could cost: a bare node process that spawns a list of commands with a pool of N and
// reads their output, nothing else. `node bench/spawn-floor.mjs LIST.json POOL`; LIST.json holds argv
// arrays (absolute executable first). Used by bench/run.mjs as the floor a report is compared with.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [listFile, poolText] = process.argv.slice(2);
const list = JSON.parse(readFileSync(listFile, 'utf8'));
const pool = Number(poolText);
let next = 0;
let done = 0;
const one = () => {
  if (next >= list.length) return;
  const argv = list[next++];
  // Same stdio as the host seam: output read through pipes, so the floor pays for copying it too.
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  child.on('close', () => {
    if (++done === list.length) process.exit(0);
    one();
  });
};
if (list.length === 0) process.exit(0);
for (let i = 0; i < pool; i++) one();
