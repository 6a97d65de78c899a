// Issue 12, item 3: idle connections from a few addresses must not lock a scraper out. 16 silent
// connections from each of 127.0.0.2..9 fill the global cap of 128 (Linux routes all of 127/8 to lo, so
// a client can bind any of them); each one the server evicts reconnects at once. A scraper on 127.0.0.1
// must still get every answer. The deadlines are long here, so that eviction, not a timeout, is what
// frees the slots.
import * as http from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientKey } from '../src/exporter/limits.js';
import { groupProbes } from '../src/exporter/schedule.js';
import { close, createServer, listen } from '../src/exporter/server.js';
import { DaemonState } from '../src/exporter/state.js';
import { probes } from '../src/probes/index.js';
import { quietLog } from './helpers.js';

const CAP = 128;
const PER_CLIENT = 16;
const ATTACKERS = Array.from({ length: CAP / PER_CLIENT }, (_, i) => `127.0.0.${i + 2}`);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer() {
  const state = new DaemonState(probes, groupProbes(probes, 60, {}), quietLog);
  const server = await createServer({
    state,
    telemetryPath: '/metrics',
    log: quietLog,
    web: { configFile: undefined, ratePerSecond: 0, maxConnections: CAP },
    limits: {
      headersTimeoutMs: 600_000,
      requestTimeoutMs: 600_000,
      keepAliveTimeoutMs: 600_000,
      maxConnectionsPerClient: PER_CLIENT,
    },
  });
  // Counted on the server side: the client's 'connect' comes before the server has accepted.
  let accepted = 0;
  const acceptedListeners: (() => void)[] = [];
  server.on('connection', () => {
    accepted++;
    for (const listener of acceptedListeners) listener();
  });
  const untilAccepted = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (accepted >= count) resolve();
      };
      acceptedListeners.push(check);
      check();
    });
  const { port } = await listen(server, '127.0.0.1', 0);
  cleanups.push(() => close(server));
  return { port, untilAccepted };
}

/** A silent client that reconnects from the same address whenever the server drops it. */
function floodFrom(
  port: number,
  localAddress: string,
  stats: { evicted: number },
  stopped: { now: boolean },
) {
  const sockets = new Set<Socket>();
  const open = () => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (stopped.now) return;
      stats.evicted++;
      open();
    });
  };
  for (let i = 0; i < PER_CLIENT; i++) open();
  return sockets;
}

function scrape(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/metrics', agent: false, headers: { connection: 'close' } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
  });
}

describe('connection flood from a few addresses', () => {
  it('keeps answering a scraper while 8 addresses hold 16 silent connections each and reconnect', async () => {
    const { port, untilAccepted } = await startServer();
    const stats = { evicted: 0 };
    const stopped = { now: false };
    const floods = ATTACKERS.map((address) => floodFrom(port, address, stats, stopped));
    cleanups.push(() => {
      stopped.now = true;
      for (const sockets of floods) for (const socket of sockets) socket.destroy();
    });
    await untilAccepted(CAP);

    const statuses: (number | string)[] = [];
    for (let i = 0; i < 37; i++) statuses.push(await scrape(port).catch((error: Error) => error.message));
    expect(statuses).toEqual(Array(37).fill(200));
    // Room was made by evicting silent connections (which came straight back), not by timeouts.
    expect(stats.evicted).toBeGreaterThanOrEqual(37);
  }, 60_000);

  it('evicts connections that sent only part of a request head (slowloris) to let a scraper in', async () => {
    const { port, untilAccepted } = await startServer();
    // Every connection sends half a request head and stops there.
    const sockets: Socket[] = [];
    cleanups.push(() => {
      for (const socket of sockets) socket.destroy();
    });
    for (const address of ATTACKERS) {
      for (let i = 0; i < PER_CLIENT; i++) {
        const socket = connect({ port, host: '127.0.0.1', localAddress: address });
        socket.on('error', () => {});
        socket.on('connect', () => socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'));
        sockets.push(socket);
      }
    }
    await untilAccepted(CAP);
    const closed = sockets.map(
      (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
    );
    expect(await scrape(port)).toBe(200);
    expect(await scrape(port)).toBe(200);
    // Two of them made room (the server closed them); the rest are still open.
    await Promise.race(closed);
    expect(sockets.filter((socket) => socket.destroyed).length).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

describe('clientKey', () => {
  it('counts IPv6 per /64 and IPv4-mapped addresses as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey('192.0.2.1')).toBe('192.0.2.1');
    expect(clientKey(undefined)).toBe('');
  });
});
