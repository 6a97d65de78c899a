// What a client may cost the daemon: timeouts so a slow client (slowloris) is cut off, a cap on
// connections (in all and per address) so it cannot take every socket, idle connections evicted at the
// cap so a few addresses cannot lock scrapers out, and a token bucket per address so a client in a loop
// cannot take the CPU. A scrape from Prometheus never comes near any of them.
import type * as http from 'node:http';
import type { Socket } from 'node:net';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_RATE_LIMIT } from '../config.js';

export interface Limits {
  /** The whole request head (line + headers) must arrive within this (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** The whole request must arrive within this (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (the next request must be in by then). */
  keepAliveTimeoutMs: number;
  /** How often Node checks the two request timeouts (its default, 30 s, would let a slow client stay 35 s). */
  checkIntervalMs: number;
  /** A TLS handshake must finish within this (Node's default is 120 s). */
  handshakeTimeoutMs: number;
  /** Request line + headers, bytes (Node's default is 16 KiB; a scrape sends a few hundred). */
  maxHeaderBytes: number;
  /** Open connections in all; at the cap a new one evicts an idle one (see applyConnectionLimits). */
  maxConnections: number;
  /** Open connections from one remote address (IPv6: one /64). */
  maxConnectionsPerClient: number;
  /** Requests per second per remote address (sustained); 0 turns the limit off. */
  ratePerSecond: number;
  /** Requests one address may make at once before the rate applies. */
  burst: number;
}

export const defaultLimits: Limits = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  handshakeTimeoutMs: 5_000,
  maxHeaderBytes: 8 * 1024,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxConnectionsPerClient: 16,
  ratePerSecond: DEFAULT_RATE_LIMIT,
  burst: 2 * DEFAULT_RATE_LIMIT,
};

/** The options http.createServer/https.createServer take from the limits. */
export function serverOptions(limits: Limits): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
    maxHeaderSize: limits.maxHeaderBytes,
  };
}

/**
 * Who a connection or request counts against: the address, except that IPv6 counts per /64 (one host is
 * given a whole /64 and can pick any address in it) and an IPv4-mapped IPv6 address as plain IPv4.
 */
export function clientKey(address: string | undefined): string {
  const text = (address ?? '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (mapped) return mapped[1] as string;
  if (!text.includes(':')) return text;
  const [head = '', tail] = text.split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, '') || '0')
    .join(':')}::/64`;
}

/** One open connection, as the caps see it. */
interface Connection {
  socket: Socket;
  client: string;
  /** Inside a request (head received, response not finished): never evicted. */
  busy: boolean;
}

/**
 * Applies what cannot be given to the constructor: the connection caps and a deadline for each next request.
 * Returns destroyAll, for a shutdown that must not wait on any client.
 *
 * The caps: a connection over the per-client cap (IPv6: per /64) is destroyed before anything is read from
 * it. At the global cap, a new connection does not get refused (idle connections from a few addresses would
 * then lock every scraper out): it evicts an idle connection (one that has not sent a full request, or sits
 * between requests) from the client holding the most connections, the oldest of them; only when every
 * connection is inside a request is the new one refused. Node's own server.maxConnections is not used: it
 * refuses before we can choose.
 *
 * Why our own deadline: Node 20 enforces headersTimeout/requestTimeout only from a check every
 * connectionsCheckingInterval (it then answers 408, to a connection that sent nothing too), and that check
 * keeps refreshing the sockets' inactivity timers, so socket timeouts longer than that interval
 * (server.setTimeout, keepAliveTimeout) never fire. So, whichever of the two comes first: after the connection
 * (TLS: after the handshake; handshakeTimeout covers that) the first request's head must be in within
 * headersTimeout, and after each response the next one within keepAliveTimeout; else the socket goes.
 */
export function applyConnectionLimits(
  server: http.Server,
  limits: Limits,
  secure: boolean,
): { destroyAll(): void } {
  // Per client, in arrival order (a Set keeps insertion order: the first idle one is the oldest).
  const byClient = new Map<string, Set<Connection>>();
  // By remote address and port: the TLS socket a request comes on is not the raw socket that connected.
  const byPeer = new Map<string, Connection>();
  let open = 0;
  const peer = (socket: Socket) => `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;

  const evictIdle = (): boolean => {
    let victim: Connection | undefined;
    let victimClientSize = 0;
    for (const connections of byClient.values()) {
      if (connections.size <= victimClientSize) continue;
      for (const connection of connections) {
        if (connection.busy) continue;
        victim = connection;
        victimClientSize = connections.size;
        break;
      }
    }
    victim?.socket.destroy();
    return victim !== undefined;
  };

  // prependListener: before the TLS server wraps the socket, so a refused one never starts a handshake.
  server.prependListener('connection', (socket: Socket) => {
    const client = clientKey(socket.remoteAddress);
    const mine = byClient.get(client);
    if ((mine?.size ?? 0) >= limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    if (open >= limits.maxConnections && !evictIdle()) {
      socket.destroy();
      return;
    }
    const connection: Connection = { socket, client, busy: false };
    const set = mine ?? new Set<Connection>();
    set.add(connection);
    byClient.set(client, set);
    const key = peer(socket);
    byPeer.set(key, connection);
    open++;
    socket.once('close', () => {
      open--;
      if (byPeer.get(key) === connection) byPeer.delete(key);
      set.delete(connection);
      if (set.size === 0 && byClient.get(client) === set) byClient.delete(client);
    });
    if (!secure) setDeadline(socket, limits.headersTimeoutMs);
  });
  if (secure) {
    server.on('secureConnection', (socket: Socket) => setDeadline(socket, limits.headersTimeoutMs));
  }
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    clearDeadline(socket);
    const connection = byPeer.get(peer(socket));
    if (connection) connection.busy = true;
    response.once('finish', () => {
      if (connection) connection.busy = false;
      if (!socket.destroyed) setDeadline(socket, limits.keepAliveTimeoutMs);
    });
  });
  // Every socket, a TLS handshake in progress included (Node's closeAllConnections knows only HTTP ones).
  return { destroyAll: () => [...byPeer.values()].forEach((connection) => connection.socket.destroy()) };
}

const deadlines = new WeakMap<Socket, NodeJS.Timeout>();

function setDeadline(socket: Socket, ms: number): void {
  clearDeadline(socket);
  const timer = setTimeout(() => socket.destroy(), ms);
  timer.unref();
  // No 'close' listener (one per request would pile up on a keep-alive socket): destroying a closed
  // socket is a no-op, the timer is unref'd and the WeakMap entry goes with the socket.
  deadlines.set(socket, timer);
}

function clearDeadline(socket: Socket): void {
  const timer = deadlines.get(socket);
  if (timer) {
    clearTimeout(timer);
    deadlines.delete(socket);
  }
}

export type Verdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/** A token bucket: `burst` tokens, refilled at `perSecond`; one request takes one token. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  take(now: number): Verdict {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.perSecond)) };
  }

  /** Whether the bucket is full again (an idle client: its entry can go). */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
    this.updatedAt = now;
  }
}

/** Milliseconds on some clock (Date.now by default; tests inject a fake one to refill buckets at will). */
export type Clock = () => number;

/**
 * One token bucket per remote address. The table is bounded: past `maxClients` entries, idle clients
 * (full buckets) are dropped, then the oldest; a flood of addresses cannot grow the heap.
 */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxClients = 4096,
    private readonly now: Clock = Date.now,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  take(client: string, now: number = this.now()): Verdict {
    if (!this.enabled) return { ok: true };
    let bucket = this.buckets.get(client);
    if (!bucket) {
      if (this.buckets.size >= this.maxClients) this.evict(now);
      bucket = new TokenBucket(this.perSecond, this.burst, now);
      this.buckets.set(client, bucket);
    }
    return bucket.take(now);
  }

  /** Addresses tracked (tests). */
  get size(): number {
    return this.buckets.size;
  }

  private evict(now: number): void {
    for (const [client, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(client);
    while (this.buckets.size >= this.maxClients) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }
}
