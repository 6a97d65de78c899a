// Issue 12, item 4: what failed logins may cost. Counted in bcrypt comparisons on an injected clock, never
// timed: two password guessers get a bounded number of comparisons however fast they try, an authenticated
// scraper keeps passing without a comparison, and an unknown user is compared at the configured users'
// cost (bcrypt's time depends on the cost alone).
import type * as http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BasicAuth, bcryptCost, dummyHash } from '../src/exporter/basic-auth.js';
import { groupProbes } from '../src/exporter/schedule.js';
import { close, createServer, listen } from '../src/exporter/server.js';
import { DaemonState, type Log } from '../src/exporter/state.js';
import { WebConfigSource } from '../src/exporter/web-config-source.js';
import { probes } from '../src/probes/index.js';
import { quietLog } from './helpers.js';

// Real bcrypt hashes of "s3cret" at cost 4 and at cost 12 (the digests are never computed here: the
// comparisons are counted, not run).
const HASH_4 = '$2b$04$jQHZhm/VAkwu6pjiWgY5quJztB.Z3Eeu.NLsn0JCusqUjD5s6bOK6';
const HASH_12 = `$2b$12$${HASH_4.slice(7)}`;

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A BasicAuth whose bcrypt is a counter (right password: "s3cret") on a clock the test moves. */
function counted() {
  const clock = { now: 1_000_000 };
  const compared: string[] = [];
  const auth = new BasicAuth({
    now: () => clock.now,
    compare: async (password, hash) => {
      compared.push(hash);
      return password === 's3cret' && hash !== dummyHash(new Map());
    },
  });
  return { auth, clock, compared };
}

describe('failed logins per client', () => {
  it('bounds the comparisons of two guessers; a scraper with good credentials stays bcrypt-free', async () => {
    const { auth, clock, compared } = counted();
    const users = new Map([['prometheus', HASH_4]]);
    expect(await auth.check(basic('prometheus', 's3cret'), users, 'scraper')).toBe('ok');
    const verdicts = { guessers: new Map<string, number>(), scraper: new Map<string, number>() };
    const tally = (map: Map<string, number>, verdict: string) =>
      map.set(verdict, (map.get(verdict) ?? 0) + 1);
    // 60 s of simulated time, 10 guesses per second from each guesser, a scrape every second.
    for (let tick = 0; tick < 600; tick++) {
      for (const guesser of ['10.0.0.1', '10.0.0.2']) {
        tally(
          verdicts.guessers,
          await auth.check(basic('prometheus', `guess-${guesser}-${tick}`), users, guesser),
        );
      }
      if (tick % 10 === 0)
        tally(verdicts.scraper, await auth.check(basic('prometheus', 's3cret'), users, 'scraper'));
      clock.now += 100;
    }
    // Per guesser: 3 free, then one per back-off window (1, 2, 4, 8, 16, 32 s: 63 s > 60 s) = at most 9.
    expect(compared.length - 1).toBeLessThanOrEqual(2 * 9);
    expect(compared.length - 1).toBeGreaterThanOrEqual(2 * 4);
    expect(verdicts.guessers.get('limited')).toBe(1200 - (compared.length - 1));
    expect(verdicts.scraper).toEqual(new Map([['ok', 60]]));
  });

  it('backs off exponentially, says when to retry, and starts afresh after a success', async () => {
    const { auth, clock, compared } = counted();
    const users = new Map([['prometheus', HASH_4]]);
    for (let i = 0; i < 3; i++)
      expect(await auth.check(basic('prometheus', `x${i}`), users, 'c')).toBe('denied');
    expect(await auth.check(basic('prometheus', 'x3'), users, 'c')).toBe('denied'); // the 4th: locks 1 s
    expect(await auth.check(basic('prometheus', 'x4'), users, 'c')).toBe('limited');
    expect(auth.retryAfterSeconds('c')).toBe(1);
    clock.now += 1000;
    expect(await auth.check(basic('prometheus', 'x5'), users, 'c')).toBe('denied'); // locks 2 s
    clock.now += 1000;
    expect(await auth.check(basic('prometheus', 's3cret'), users, 'c')).toBe('limited');
    expect(auth.retryAfterSeconds('c')).toBe(1);
    clock.now += 1000;
    // A cached refusal costs no comparison but still counts as a failure.
    const before = compared.length;
    expect(await auth.check(basic('prometheus', 'x5'), users, 'c')).toBe('denied'); // locks 4 s
    expect(compared.length).toBe(before);
    expect(auth.retryAfterSeconds('c')).toBe(4);
    clock.now += 4000;
    expect(await auth.check(basic('prometheus', 's3cret'), users, 'c')).toBe('ok');
    for (let i = 0; i < 3; i++)
      expect(await auth.check(basic('prometheus', `y${i}`), users, 'c')).toBe('denied');
    // Other clients were never slowed down.
    expect(await auth.check(basic('prometheus', 'z'), users, 'other')).toBe('denied');
  });

  it('allows one comparison in flight per client', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const auth = new BasicAuth({ compare: async () => gate.then(() => false) });
    const users = new Map([['prometheus', HASH_4]]);
    const first = auth.check(basic('prometheus', 'a'), users, 'c');
    expect(await auth.check(basic('prometheus', 'b'), users, 'c')).toBe('limited');
    release();
    expect(await first).toBe('denied');
  });

  it('answers 429 with Retry-After over HTTP once a client is backed off', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-auth-'));
    const file = path.join(dir, 'web.yml');
    writeFileSync(file, `basic_auth_users:\n  prometheus: '${HASH_4}'\n`, { mode: 0o600 });
    const state = new DaemonState(probes, groupProbes(probes, 60, {}), quietLog);
    const server: http.Server = await createServer({
      state,
      telemetryPath: '/metrics',
      log: quietLog,
      web: { configFile: file, ratePerSecond: 0, maxConnections: 16 },
    });
    try {
      const { port } = await listen(server, '127.0.0.1', 0);
      const get = (password: string) =>
        fetch(`http://127.0.0.1:${port}/metrics`, {
          headers: { authorization: basic('prometheus', password) },
        });
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await get(`wrong${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
      const limited = await get('wrong5');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await close(server);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('unknown users take as long as known ones', () => {
  it('compares an unknown user against a dummy hash at the configured cost', async () => {
    for (const [hash, cost] of [
      [HASH_4, 4],
      [HASH_12, 12],
    ] as const) {
      const { auth, compared } = counted();
      const users = new Map([['prometheus', hash]]);
      await auth.check(basic('prometheus', 'wrong'), users);
      await auth.check(basic('nobody', 'wrong'), users);
      expect(compared.map(bcryptCost)).toEqual([cost, cost]);
      expect(compared[1]).not.toBe(hash);
    }
  });

  it('uses the highest cost when users differ, and the web config warns about it', async () => {
    expect(
      bcryptCost(
        dummyHash(
          new Map([
            ['a', HASH_4],
            ['b', HASH_12],
          ]),
        ),
      ),
    ).toBe(12);
    expect(bcryptCost(dummyHash(new Map()))).toBe(10);
    const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-auth-'));
    try {
      const file = path.join(dir, 'web.yml');
      writeFileSync(file, `basic_auth_users:\n  a: '${HASH_4}'\n  b: '${HASH_12}'\n`, { mode: 0o600 });
      const warned: string[] = [];
      const log: Log = { ...quietLog, warn: (_obj, msg) => warned.push(msg), child: () => log };
      await WebConfigSource.open(file, log);
      expect(warned).toEqual([
        expect.stringMatching(/different bcrypt costs: timing tells which users exist/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
