// What a client may cost the daemon: timeouts so a slow client (slowloris) is cut off, a cap on
// connections (in all and per address) so it cannot take every socket, and a token bucket per address
// so a client in a loop cannot take the CPU. A scrape from Prometheus never comes near any of them.
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
  /** Open connections in all (Node refuses more: they are closed at once). */
  maxConnections: number;
  /** Open connections from one remote address. */
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
 * Applies what cannot be given to the constructor: the connection caps and a deadline for each next request.
 * A connection over the per-address cap is destroyed before anything is read from it.
 *
 * Why our own deadline: headersTimeout counts from a request's first byte, so a client that connects and
 * sends nothing is not covered; and on Node 20 the check that enforces headersTimeout/requestTimeout
 * (every connectionsCheckingInterval) keeps refreshing the sockets' inactivity timers, so socket timeouts
 * longer than that interval (server.setTimeout, keepAliveTimeout) never fire. So: after the connection
 * (TLS: after the handshake; handshakeTimeout covers that) the first request's head must be in within
 * headersTimeout, and after each response the next one within keepAliveTimeout; else the socket goes.
 */
export function applyConnectionLimits(server: http.Server, limits: Limits, secure: boolean): void {
  server.maxConnections = limits.maxConnections;
  const open = new Map<string, number>();
  // prependListener: before the TLS server wraps the socket, so a refused one never starts a handshake.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
    if (!secure) setDeadline(socket, limits.headersTimeoutMs);
  });
  if (secure) {
    server.on('secureConnection', (socket: Socket) => setDeadline(socket, limits.headersTimeoutMs));
  }
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    clearDeadline(socket);
    response.once('finish', () => {
      if (!socket.destroyed) setDeadline(socket, limits.keepAliveTimeoutMs);
    });
  });
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
