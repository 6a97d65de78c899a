// HTTP basic authentication against basic_auth_users (bcrypt hashes), as the exporter-toolkit does it:
// bcrypt is slow on purpose (~0.1-0.4 s at cost 10 in bcryptjs here), so each verdict is cached and a
// scraper that sends the same credentials every 15 s pays bcrypt once, not per scrape. bcryptjs is pure
// JavaScript (no native build on a dom0) and loaded only when a config has users.
import { createHmac, randomBytes } from 'node:crypto';

/** 'limited': this client failed too often lately (or has a check in flight); answer 429, no bcrypt. */
export type AuthVerdict = 'ok' | 'denied' | 'busy' | 'limited';

/**
 * bcrypt("a random string nobody knows"), salt and digest: checked for unknown users so that timing does not
 * tell. bcrypt's time depends on the cost only, so dummyHash() gives it the configured users' cost.
 */
const DUMMY_BODY = 'hMofjRjCBiwkbGitIZ0rhe4fSZ41RhXENu31xomGn9Ti8cNSpZ5.q';

/** The cost of a bcrypt hash ("$2y$12$..." -> 12); undefined when it is not one. */
export function bcryptCost(hash: string): number | undefined {
  const match = /^\$2[aby]?\$(\d\d)\$/.exec(hash);
  return match ? Number(match[1]) : undefined;
}

/**
 * The hash an unknown user is checked against: the highest cost among the configured users (10 when there
 * are none), so that an unknown user takes as long as the slowest known one. Users at a lower cost are
 * still faster: the web config logs a warning when costs differ.
 */
export function dummyHash(users: ReadonlyMap<string, string>): string {
  let cost = 0;
  for (const hash of users.values()) cost = Math.max(cost, bcryptCost(hash) ?? 0);
  return `$2b$${String(cost || 10).padStart(2, '0')}$${DUMMY_BODY}`;
}

/** Failed logins a client gets for free (typos) before the back-off starts. */
const FREE_FAILURES = 3;
/** The first back-off after the free failures; each further failure doubles it, up to the maximum. */
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 60_000;
/** A client whose last failure is older than this starts afresh. */
const FORGET_FAILURES_MS = 15 * 60_000;
/** Clients tracked at most (past it the oldest go: a flood of addresses cannot grow the heap). */
const MAX_TRACKED_CLIENTS = 4096;

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
  /** A bcrypt check of this client's is queued or running: one at a time per client. */
  pending: boolean;
}

type Compare = (password: string, hash: string) => Promise<boolean>;
let compareModule: Compare | undefined;

async function bcryptCompare(): Promise<Compare> {
  if (!compareModule) {
    const bcrypt = await import('bcryptjs');
    compareModule = (password, hash) => bcrypt.default.compare(password, hash);
  }
  return compareModule;
}

/** User and password from an `Authorization: Basic ...` header, undefined when there is none or it is bad. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  if (!match) return undefined;
  const text = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export interface BasicAuthOptions {
  /** Verdicts kept per kind (successes and failures apart, so a password guesser cannot evict a scraper). */
  cacheSize?: number;
  /** bcrypt checks that may wait in line; more get 'busy' (503) at once instead of queueing CPU. */
  maxPending?: number;
  compare?: Compare;
  /** The clock for the failed-login back-off, ms (tests inject one). */
  now?: () => number;
}

export class BasicAuth {
  /**
   * Cache keys are HMAC-SHA256(per-process random key, user, hash, password): the plain password is never
   * kept, and a heap dump does not give a fast offline guess of it (the key dies with the process).
   */
  private readonly key = randomBytes(32);
  private readonly granted = new Map<string, true>();
  private readonly refused = new Map<string, true>();
  private readonly cacheSize: number;
  private readonly maxPending: number;
  private pending = 0;
  /** One bcrypt at a time (it is CPU-bound; two at once only make both slower). */
  private queue: Promise<unknown> = Promise.resolve();
  /** Failed logins per client (address, IPv6 /64), for the back-off. */
  private readonly failures = new Map<string, Failures>();
  private readonly now: () => number;
  /** bcrypt comparisons done (tests: a cached scrape must not add one). */
  bcryptRuns = 0;

  constructor(private readonly options: BasicAuthOptions = {}) {
    this.cacheSize = options.cacheSize ?? 64;
    this.maxPending = options.maxPending ?? 8;
    this.now = options.now ?? Date.now;
  }

  /**
   * Checks an Authorization header against `users` (user -> bcrypt hash). With `client` (the server passes
   * clientKey of the address), failed logins cost that client a back-off: after FREE_FAILURES, each failure
   * locks it out for 1 s, 2 s, 4 s ... 60 s, and it never has more than one bcrypt in line. Credentials
   * already known to be good pass even then (a scraper behind the same address keeps working, bcrypt-free).
   */
  async check(
    header: string | undefined,
    users: ReadonlyMap<string, string>,
    client?: string,
  ): Promise<AuthVerdict> {
    const credentials = parseBasic(header);
    if (!credentials) return 'denied';
    const hash = users.get(credentials.user);
    const known = hash !== undefined;
    const against = hash ?? dummyHash(users);
    const cacheKey = createHmac('sha256', this.key)
      .update(credentials.user)
      .update('\0')
      .update(against)
      .update('\0')
      .update(credentials.password)
      .digest('base64');
    if (this.granted.has(cacheKey)) return known ? 'ok' : 'denied';
    const record = client === undefined ? undefined : this.record(client);
    if (record && (record.pending || record.lockedUntil > this.now())) return 'limited';
    if (this.refused.has(cacheKey)) {
      if (record && client !== undefined) this.failed(client, record);
      return 'denied';
    }
    if (this.pending >= this.maxPending) return 'busy';
    this.pending++;
    if (record) record.pending = true;
    const run = this.queue.then(async () => {
      const compare = this.options.compare ?? (await bcryptCompare());
      this.bcryptRuns++;
      try {
        return await compare(credentials.password, against);
      } catch {
        return false;
      }
    });
    this.queue = run.catch(() => undefined);
    let matched: boolean;
    try {
      matched = await run;
    } finally {
      this.pending--;
      if (record) record.pending = false;
    }
    const ok = known && matched;
    remember(ok ? this.granted : this.refused, cacheKey, this.cacheSize);
    if (client !== undefined && record) {
      if (ok) this.failures.delete(client);
      else this.failed(client, record);
    }
    return ok ? 'ok' : 'denied';
  }

  /** Seconds until `client` may try again (at least 1; the Retry-After of a 'limited' answer). */
  retryAfterSeconds(client: string): number {
    const record = this.failures.get(client);
    const left = record ? record.lockedUntil - this.now() : 0;
    return Math.max(1, Math.ceil(left / 1000));
  }

  /** The client's failure record, forgotten after FORGET_FAILURES_MS without a failure. */
  private record(client: string): Failures {
    const now = this.now();
    let record = this.failures.get(client);
    if (record && !record.pending && now - record.lastAt > FORGET_FAILURES_MS) {
      this.failures.delete(client);
      record = undefined;
    }
    if (!record) {
      if (this.failures.size >= MAX_TRACKED_CLIENTS) {
        const oldest = this.failures.keys().next().value;
        if (oldest !== undefined) this.failures.delete(oldest);
      }
      record = { count: 0, lastAt: now, lockedUntil: 0, pending: false };
      this.failures.set(client, record);
    }
    return record;
  }

  private failed(client: string, record: Failures): void {
    const now = this.now();
    record.count++;
    record.lastAt = now;
    if (record.count > FREE_FAILURES) {
      const backoff = BACKOFF_FIRST_MS * 2 ** Math.min(16, record.count - FREE_FAILURES - 1);
      record.lockedUntil = now + Math.min(BACKOFF_MAX_MS, backoff);
    }
    // Most recently failing last, so that the oldest is evicted first.
    this.failures.delete(client);
    this.failures.set(client, record);
  }

  /** Forgets every verdict (a new config: users or hashes may have changed). */
  clear(): void {
    this.granted.clear();
    this.refused.clear();
  }
}

function remember(map: Map<string, true>, key: string, size: number): void {
  if (map.size >= size) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, true);
}
