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
});

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => close(s)));
});

async function start(
  options: { webConfig?: string; limits?: Partial<Limits>; log?: Log; now?: () => number } = {},
) {
  const log = options.log ?? recorder();
  const server = await createServer({
    state,
    telemetryPath: '/metrics',
    log,
    web: { configFile: options.webConfig, ratePerSecond: 1000, maxConnections: 64 },
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.now ? { now: options.now } : {}),
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

  it('sends /metrics gzip-encoded to a client that accepts it, plain to one that does not', async () => {
    const { base } = await start();
    const gzipped = await fetch(`${base}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('vary')).toBe('Accept, Accept-Encoding');
    const plain = await fetch(`${base}/metrics`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const [decoded, text] = [await gzipped.text(), await plain.text()];
    expect(decoded).toMatch(/^xendoctor_check_status\{check="xen-hypervisor"\} \d$/m);
    // The same cached xendoctor_* part in both (the process metrics after it are read per scrape).
    const own = (body: string) => body.slice(0, body.indexOf('# HELP process_'));
    expect(own(decoded)).toBe(own(text));
    expect(own(text).length).toBeGreaterThan(1000);
    const head = await fetch(`${base}/metrics`, { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } });
    expect(head.headers.get('content-encoding')).toBe('gzip');
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
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
    // The buckets' clock is a number the test moves: the refill depends on it, not on the machine's speed.
    let nowMs = 1_000_000;
    const { base } = await start({ limits: { ratePerSecond: 5, burst: 5 }, now: () => nowMs });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${base}/metrics`)).status);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    const limited = await fetch(`${base}/metrics`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    nowMs += 100; // 5/s: half a token
    expect((await fetch(`${base}/metrics`)).status).toBe(429);
    nowMs += 100;
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(429);
  });

  it("applies the web config's rate_limit (one bucket for all clients) as the toolkit does", async () => {
    const file = path.join(dir, 'rate.yml');
    writeConfig(file, 'rate_limit:\n  interval: 1s\n  burst: 2\n');
    let nowMs = 1_000_000;
    const { base } = await start({ webConfig: file, now: () => nowMs });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}/healthz`)).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    nowMs += 1000; // one interval: one request more
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(429);
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

// Deadlines with real sockets and real timers. No upper bound on a duration (a loaded machine can be late by
// seconds): each test sets the timeout under test short and every other one far beyond vitest's test timeout,
// so a close can only come from the deadline under test, and a missing close fails as a test timeout. The
// lower bounds hold however loaded the machine is: a timer never fires early.
const FAR_MS = 600_000;
const slow: Partial<Limits> = {
  headersTimeoutMs: FAR_MS,
  requestTimeoutMs: FAR_MS,
  checkIntervalMs: 200,
  keepAliveTimeoutMs: FAR_MS,
};

/**
 * A raw client whose close (by the server) is a promise; resolves once connected. It reads whatever the
 * server sends: Node's own headersTimeout check may answer 408 before closing, and a paused socket with
 * unread data never sees the end (that race made the silent-connection test hang now and then).
 */
function rawClient(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, closed }));
    const closed = new Promise<number>((done) => socket.on('close', () => done(performance.now())));
    socket.on('error', () => {});
    socket.resume();
  });
}

/** Resolves when every connection the server has accepted so far has closed on the server's side. */
function serverConnections(server: http.Server): () => Promise<void> {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  return () => Promise.all([...open].map((s) => new Promise((done) => s.once('close', done)))).then(() => {});
}

/** Starts dripping one header byte every 100 ms, never finishing the head (slowloris). */
function drip(socket: Socket): NodeJS.Timeout {
  socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  return setInterval(() => {
    if (!socket.destroyed) socket.write('a');
  }, 100);
}

describe('slow clients', () => {
  it('serves scrapes while eight slowloris clients hold connections', async () => {
    const { base, port } = await start({ limits: slow });
    const clients = await Promise.all(Array.from({ length: 8 }, () => rawClient(port)));
    const timers = clients.map((c) => drip(c.socket));
    try {
      for (let i = 0; i < 5; i++) {
        const response = await fetch(`${base}/metrics`);
        expect(response.status).toBe(200);
        expect(await response.text()).toMatch(/^# HELP /m);
      }
      expect(clients.every((c) => !c.socket.destroyed)).toBe(true);
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const c of clients) c.socket.destroy();
    }
  });

  it('closes a slowloris connection (headers a byte at a time) after the headers timeout', async () => {
    const { port } = await start({ limits: { ...slow, headersTimeoutMs: 1000 } });
    const started = performance.now();
    const clients = await Promise.all(Array.from({ length: 8 }, () => rawClient(port)));
    const timers = clients.map((c) => drip(c.socket));
    try {
      const closedAt = await Promise.all(clients.map((c) => c.closed));
      for (const at of closedAt) expect(at - started).toBeGreaterThanOrEqual(900);
    } finally {
      for (const timer of timers) clearInterval(timer);
    }
  });

  it('closes a connection that sends nothing at all', async () => {
    const { port } = await start({ limits: { ...slow, headersTimeoutMs: 1000 } });
    const started = performance.now();
    const { closed } = await rawClient(port);
    // The first request must begin within the headers timeout (1 s here).
    expect((await closed) - started).toBeGreaterThanOrEqual(900);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { server, port } = await start({ limits: { ...slow, keepAliveTimeoutMs: 1000 } });
    // The server's own 'finish' starts its 1 s: measured there, not when the client happens to see the answer.
    let finishedAt: number | undefined;
    server.on('request', (_request: http.IncomingMessage, response: http.ServerResponse) =>
      response.once('finish', () => (finishedAt = performance.now())),
    );
    const { socket, closed } = await rawClient(port);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const closedAt = await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 (200|503) /);
    if (finishedAt === undefined) throw new Error('no answer');
    expect(closedAt - finishedAt).toBeGreaterThanOrEqual(900);
  });

  it('caps connections per client address; the cap does not stop a scrape once they are gone', async () => {
    const { server, base, port } = await start({ limits: { ...slow, maxConnectionsPerClient: 4 } });
    const allClosed = serverConnections(server);
    const clients: Array<{ socket: Socket; closed: Promise<number> }> = [];
    for (let i = 0; i < 6; i++) clients.push(await rawClient(port));
    try {
      // The server destroys the 5th and 6th at once (nothing else would close them before the test's
      // timeout); the first four stay open.
      await Promise.all(clients.slice(4).map((c) => c.closed));
      expect(clients.slice(0, 4).every((c) => !c.socket.destroyed)).toBe(true);
      await expect(fetch(`${base}/metrics`)).rejects.toThrow();
    } finally {
      for (const c of clients) c.socket.destroy();
    }
    await allClosed();
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
