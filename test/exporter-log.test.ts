// The daemon's hand-written JSON log against pino as the oracle: log shippers and the system tests read
// pino's line format ("level":50 ... "msg":"..."), and the daemon dropped pino to save memory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createLog } from '../src/exporter/log.js';
import type { Log } from '../src/exporter/state.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xd-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pinoLog(level: string, file: string): Log {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: file, sync: true }),
  ) as unknown as Log;
}

// The same calls on both; times differ, so they are masked.
function script(log: Log): void {
  log.info(
    { address: '127.0.0.1:19936', groups: [{ interval: 60, probes: ['a', 'b'] }] },
    'xendoctor serve started',
  );
  const probe = log.child({ probe: 'grant-tables' });
  probe.warn({ status: 'error', error: 'xl "hung"\nthen \\ died', evidence: [] }, 'probe error');
  probe.debug({ durationMs: 12.5 }, 'probe ran');
  probe.child({ component: 'x' }).error({ err: 'EPIPE', missing: undefined, n: null }, 'request failed');
  log.child({}).info({}, 'empty bindings and fields: ünïcödé \u2028');
}

const read = (file: string) => readFileSync(file, 'utf8').replace(/"time":"[^"]+"/g, '"time":"T"');

describe('daemon log lines', () => {
  for (const level of ['info', 'debug', 'error', 'silent'] as const) {
    it(`are the lines pino writes, at level ${level}`, () => {
      const ours = path.join(dir, `ours-${level}.log`);
      const theirs = path.join(dir, `pino-${level}.log`);
      script(createLog(level, ours));
      script(pinoLog(level, theirs));
      expect(read(ours)).toBe(read(theirs));
      if (level !== 'silent') expect(read(ours)).toMatch(/^\{"level":\d\d,"time":"T","pid":\d+,/);
    });
  }

  it('stamps ISO times and appends to an existing file', () => {
    const file = path.join(dir, 'append.log');
    createLog('info', file).info({}, 'one');
    createLog('info', file).info({}, 'two');
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(['one', 'two']);
    expect(Date.parse(lines[0].time)).toBeGreaterThan(Date.now() - 60_000);
  });
});
