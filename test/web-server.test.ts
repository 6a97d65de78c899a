// The HTTP endpoint in-process on 127.0.0.1 with short limits: methods, bodies, rate limit, basic auth
// with its bcrypt cache, the web config re-read on change, slowloris, connection caps. (TLS with a real
// client, curl, is in test/system/web-tls.test.ts.)
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import type * as http from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../src/context.js';
import type { Limits } from '../src/exporter/limits.js';
import { groupProbes, Schedule } from '../src/exporter/schedule.js';
import { close, createServer, listen } from '../src/exporter/server.js';
import { DaemonState, type Log } from '../src/exporter/state.js';
import { probes } from '../src/probes/index.js';
import { fixtureHost } from './helpers.js';

const bcryptRuns = vi.hoisted(() => ({ count: 0 }));
vi.mock('bcryptjs', async (importOriginal) => {
  const real = await importOriginal<typeof import('bcryptjs')>();
  const compare = (password: string, hash: string) => {
    bcryptRuns.count++;
    return real.default.compare(password, hash);
  };
  return { ...real, default: { ...real.default, compare } };
});

// bcrypt cost 4 (fast tests): "s3cret" and "n3w-secret".
const HASH_S3CRET = '$2b$04$jQHZhm/VAkwu6pjiWgY5quJztB.Z3Eeu.NLsn0JCusqUjD5s6bOK6';
let HASH_NEW = '';

const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-web-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Recorded {
  level: string;
  msg: string;
  obj: object;
}
function recorder(): Log & { lines: Recorded[] } {
  const lines: Recorded[] = [];
  const make = (): Log => ({
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
    debug: () => {},
    child: () => make(),
  });
  return Object.assign(make(), { lines });
}

const groups = groupProbes(probes, 60, {});
let state: DaemonState;
beforeAll(async () => {
  // One real cycle on a fixture host, so /metrics has the probes' results.
  state = new DaemonState(probes, groups, recorder());
  const schedule = new Schedule({
    groups,
    settings: defaultSettings,
    host: () => fixtureHost('dom0-domu-credit2'),
    onCycle: (cycle) => state.record(cycle),
    onProblem: () => {},
  });
  await schedule.runGroup(groups[0] as (typeof groups)[0]);
  const bcrypt = await import('bcryptjs');
  HASH_NEW = await bcrypt.default.hash('n3w-secret', 4);
}, 30_000);

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => close(s)));
});

async function start(options: { webConfig?: string; limits?: Partial<Limits>; log?: Log } = {}) {
  const log = options.log ?? recorder();
  const server = await createServer({
    state,
    telemetryPath: '/metrics',
    log,
    web: { configFile: options.webConfig, ratePerSecond: 1000, maxConnections: 64 },
    ...(options.limits ? { limits: options.limits } : {}),
  });
  servers.push(server);
  const address: AddressInfo = await listen(server, '127.0.0.1', 0);
  return { server, base: `http://127.0.0.1:${address.port}`, port: address.port };
}

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});

function writeConfig(file: string, text: string): void {
  // As an editor or config management would: a new file renamed over the old one.
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

describe('methods and bodies', () => {
  it('answers GET and HEAD; anything else is 405 with Allow, on every path', async () => {
    const { base } = await start();
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const route of ['/metrics', '/', '/report.json', '/healthz', '/nope']) {
        const response = await fetch(`${base}${route}`, { method });
        expect(response.status, `${method} ${route}`).toBe(405);
        expect(response.headers.get('allow')).toBe('GET, HEAD');
      }
    }
  });

  it('refuses a GET with a body (413) and closes that connection', async () => {
    const { port } = await start();
    const reply = await rawRequest(
      port,
      'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(reply.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply.text).toMatch(/\r\nConnection: close\r\n/i);
    expect(reply.closed).toBe(true);
  });

  it('refuses a request head over 8 KiB (431) without reading it all', async () => {
    const { port } = await start();
    const reply = await rawRequest(
      port,
      `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`,
    );
    expect(reply.text).toMatch(/^HTTP\/1\.1 431 /);
  });
});

describe('rate limit per client address', () => {
  it('allows the burst, then answers 429 with Retry-After, and lets the client back in after a while', async () => {
    const { base } = await start({ limits: { ratePerSecond: 5, burst: 5 } });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${base}/metrics`)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const limited = await fetch(`${base}/metrics`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it("applies the web config's rate_limit (one bucket for all clients) as the toolkit does", async () => {
    const file = path.join(dir, 'rate.yml');
    writeConfig(file, 'rate_limit:\n  interval: 1s\n  burst: 2\n');
    const { base } = await start({ webConfig: file });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}/healthz`)).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });
});

describe('basic auth and the web config file', () => {
  it('asks for credentials (401 + WWW-Authenticate), refuses wrong ones, serves right ones, bcrypt once', async () => {
    const file = path.join(dir, 'auth.yml');
    writeConfig(
      file,
      `basic_auth_users:\n  prometheus: '${HASH_S3CRET}'\nhttp_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n`,
    );
    const { base } = await start({ webConfig: file });
    const none = await fetch(`${base}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="xendoctor"/);
    expect(none.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${base}/metrics`, { headers: basic('prometheus', 'wrong') })).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: basic('root', 's3cret') })).status).toBe(401);
    // Every route is behind the password, the page and the report too.
    expect((await fetch(`${base}/report.json`)).status).toBe(401);
    expect((await fetch(`${base}/`)).status).toBe(401);

    bcryptRuns.count = 0;
    for (let i = 0; i < 10; i++) {
      const ok = await fetch(`${base}/metrics`, { headers: basic('prometheus', 's3cret') });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('xendoctor_check_status{check="xen-hypervisor"} 0');
    }
    // Ten scrapes, one bcrypt: the verdict is cached.
    expect(bcryptRuns.count).toBe(1);
  });

  it('re-reads the file when it changes, and keeps the last good one (logged at error) when the new one is bad', async () => {
    const file = path.join(dir, 'reload.yml');
    writeConfig(file, `basic_auth_users:\n  prometheus: '${HASH_S3CRET}'\n`);
    const log = recorder();
    const { base } = await start({ webConfig: file, log });
    const get = (password: string) =>
      fetch(`${base}/metrics`, { headers: basic('prometheus', password) }).then((r) => r.status);
    expect(await get('s3cret')).toBe(200);

    writeConfig(
      file,
      `basic_auth_users:\n  prometheus: '${HASH_NEW}'\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`,
    );
    expect(await get('s3cret')).toBe(401);
    expect(await get('n3w-secret')).toBe(200);
    expect((await fetch(`${base}/healthz`)).headers.get('x-frame-options')).toBe('deny');
    expect(log.lines.some((l) => l.msg === 'web config reloaded')).toBe(true);

    // Broken: bad YAML, then an unknown key, then a switch to TLS. Each is logged once; the last good stays.
    for (const broken of [
      'basic_auth_users: [oops',
      'basic_auth_user:\n  prometheus: x\n',
      'http_server_config:\n  headers:\n    X-Frame-Options: allow\n',
    ]) {
      const before = log.lines.filter((l) => l.level === 'error').length;
      writeFileSync(file, broken); // in place this time (same inode, new size/mtime)
      expect(await get('n3w-secret')).toBe(200);
      expect(await get('n3w-secret')).toBe(200);
      const errors = log.lines.filter((l) => l.level === 'error');
      expect(errors.length).toBe(before + 1);
      expect(errors.at(-1)?.msg).toBe('web config not reloaded; the previous one stays in force');
    }
    const messages = log.lines.filter((l) => l.level === 'error').map((l) => JSON.stringify(l.obj));
    expect(messages[0]).toMatch(/not valid YAML/);
    expect(messages[1]).toMatch(/unknown key \\"basic_auth_user\\"/);
    expect(messages[2]).toMatch(/X-Frame-Options must be one of deny, sameorigin/);

    // Fixed again: taken at once.
    writeConfig(file, `basic_auth_users:\n  prometheus: '${HASH_S3CRET}'\n`);
    expect(await get('s3cret')).toBe(200);
  });

  it('does not start with a bad web config (a ConfigError: exit 78)', async () => {
    const file = path.join(dir, 'bad.yml');
    writeConfig(file, 'basic_auth_users:\n  prometheus: plaintext\n');
    await expect(start({ webConfig: file })).rejects.toThrow(
      /basic_auth_users\.prometheus must be a bcrypt hash/,
    );
    await expect(start({ webConfig: path.join(dir, 'absent.yml') })).rejects.toThrow(/cannot read/);
  });
});

// Timing tests on a 2-vCPU box that the rest of the suite (system tests, a real Prometheus, many node processes)
// loads: a stall of a second or more can cut a deadline short or late. Retried, so only a repeatable
// failure fails; the bounds themselves are not loosened.
describe('slow clients', { retry: 2 }, () => {
  const limits: Partial<Limits> = {
    headersTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    checkIntervalMs: 200,
    keepAliveTimeoutMs: 1000,
  };

  it('closes a slowloris connection (headers a byte at a time) within the timeout; scrapes stay fast', async () => {
    const { base, port } = await start({ limits });
    const started = Date.now();
    const sockets: Socket[] = [];
    const closedAt: number[] = [];
    const timers: NodeJS.Timeout[] = [];
    // Eight slow clients at once, each dripping one header byte every 100 ms and never finishing.
    for (let i = 0; i < 8; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('close', () => closedAt.push(Date.now() - started));
      socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      timers.push(
        setInterval(() => {
          if (!socket.destroyed) socket.write('a');
        }, 100),
      );
      sockets.push(socket);
    }
    try {
      const latencies: number[] = [];
      while (Date.now() - started < 1500) {
        const t0 = performance.now();
        const response = await fetch(`${base}/metrics`);
        await response.text();
        expect(response.status).toBe(200);
        latencies.push(performance.now() - t0);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      latencies.sort((a, b) => a - b);
      // Median of the scrapes taken while eight slow clients hold sockets (the machine may be busy).
      expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(100);
      const deadline = Date.now() + 3000;
      while (closedAt.length < sockets.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(closedAt.length).toBe(sockets.length);
      // Closed after the 1 s headers timeout, within one check interval and some slack.
      for (const at of closedAt) {
        expect(at).toBeGreaterThanOrEqual(900);
        expect(at).toBeLessThan(2500);
      }
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
    }
  });

  it('closes a connection that sends nothing at all', async () => {
    const { port } = await start({ limits });
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const closed = await new Promise<number>((resolve) =>
      socket.on('close', () => resolve(Date.now() - started)),
    );
    // The first request must begin within the headers timeout (1 s here).
    expect(closed).toBeGreaterThanOrEqual(900);
    expect(closed).toBeLessThan(2500);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { port } = await start({ limits });
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    let answeredAt: number | undefined; // ms after start (performance.now: an answer can come in under 1 ms)
    let answer = '';
    const started = performance.now();
    socket.on('data', (chunk: Buffer) => {
      answeredAt ??= performance.now() - started;
      answer += chunk.toString();
    });
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const closed = await new Promise<number>((resolve) =>
      socket.on('close', () => resolve(performance.now() - started)),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 (200|503) /);
    if (answeredAt === undefined) throw new Error('no answer');
    // The server starts its 1 s from its own 'finish'; the client sees the answer later on a busy machine,
    // so allow for that delay on the low side.
    expect(closed - answeredAt).toBeGreaterThanOrEqual(600);
    expect(closed - answeredAt).toBeLessThan(2500);
  });

  it('caps connections per client address; the cap does not stop a scrape once they are gone', async () => {
    const { base, port } = await start({ limits: { ...limits, maxConnectionsPerClient: 4 } });
    const sockets = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<{ socket: Socket; closed: Promise<void> }>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => resolve({ socket, closed }));
            const closed = new Promise<void>((done) => socket.on('close', () => done()));
            socket.on('error', () => {});
          }),
      ),
    );
    try {
      // The server destroys the 5th and 6th at once; the first four stay open (until the timeout).
      const quick = await Promise.race([
        Promise.all(sockets.slice(4).map((s) => s.closed)).then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('open'), 500)),
      ]);
      expect(quick).toBe('closed');
      expect(sockets.slice(0, 4).every((s) => !s.socket.destroyed)).toBe(true);
      await expect(fetch(`${base}/metrics`)).rejects.toThrow();
    } finally {
      for (const s of sockets) s.socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});

/** Sends raw bytes, collects the reply until the server closes or 2 s pass. */
function rawRequest(port: number, text: string): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk.toString();
    });
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: reply, closed: false });
    }, 2000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: reply, closed: true });
    });
    socket.write(text);
  });
}
