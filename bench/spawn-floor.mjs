#!/usr/bin/env node
// The least a report could cost: a bare node process that spawns a list of commands with a pool of N and
// reads their output, nothing else. `node bench/spawn-floor.mjs LIST.json POOL [--cycles N]`; LIST.json
// holds argv arrays (absolute executable first). bench/run.mjs compares a report with one pass;
// bench/memory.mjs runs N passes one second apart (the least a node daemon spawning them costs in memory),
// and with --packages also loads prom-client and pino and lets node-cron tick every second, doing nothing
// else: the least a daemon built on the requested packages costs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [listFile, poolText, flag, cyclesText] = process.argv.slice(2);
const list = JSON.parse(readFileSync(listFile, 'utf8'));
const pool = Number(poolText);
const cycles = flag === '--cycles' ? Number(cyclesText) : 1;
if (process.argv.includes('--packages')) {
  await import('prom-client');
  await import('pino');
  (await import('node-cron')).default.schedule('* * * * * *', () => {});
}

function pass() {
  return new Promise((resolve) => {
    if (list.length === 0) return resolve();
    let next = 0;
    let done = 0;
    const one = () => {
      if (next >= list.length) return;
      const argv = list[next++];
      // Same stdio as the host seam: output read through pipes, so the floor pays for copying it too.
      const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      const out = [];
      child.stdout.on('data', (chunk) => out.push(chunk));
      child.stderr.resume();
      child.on('close', () => {
        Buffer.concat(out).toString('utf8');
        if (++done === list.length) resolve();
        else one();
      });
    };
    for (let i = 0; i < pool; i++) one();
  });
}

for (let i = 0; i < cycles; i++) {
  const started = Date.now();
  await pass();
  if (i < cycles - 1)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
}
process.exit(0);
