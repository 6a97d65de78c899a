// HTTP basic authentication against basic_auth_users (bcrypt hashes), as the exporter-toolkit does it:
// bcrypt is slow on purpose (~0.1-0.4 s at cost 10 in bcryptjs here), so each verdict is cached and a
// scraper that sends the same credentials every 15 s pays bcrypt once, not per scrape. bcryptjs is pure
// JavaScript (no native build on a dom0) and loaded only when a config has users.
import { createHmac, randomBytes } from 'node:crypto';

export type AuthVerdict = 'ok' | 'denied' | 'busy';

/** bcrypt("a random string nobody knows", cost 10): checked for unknown users so timing does not tell. */
const DUMMY_HASH = '$2b$10$hMofjRjCBiwkbGitIZ0rhe4fSZ41RhXENu31xomGn9Ti8cNSpZ5.q';

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
  /** bcrypt comparisons done (tests: a cached scrape must not add one). */
  bcryptRuns = 0;

  constructor(private readonly options: BasicAuthOptions = {}) {
    this.cacheSize = options.cacheSize ?? 64;
    this.maxPending = options.maxPending ?? 8;
  }

  /** Checks an Authorization header against `users` (user -> bcrypt hash). */
  async check(header: string | undefined, users: ReadonlyMap<string, string>): Promise<AuthVerdict> {
    const credentials = parseBasic(header);
    if (!credentials) return 'denied';
    const hash = users.get(credentials.user);
    const known = hash !== undefined;
    const against = hash ?? DUMMY_HASH;
    const cacheKey = createHmac('sha256', this.key)
      .update(credentials.user)
      .update('\0')
      .update(against)
      .update('\0')
      .update(credentials.password)
      .digest('base64');
    if (this.granted.has(cacheKey)) return known ? 'ok' : 'denied';
    if (this.refused.has(cacheKey)) return 'denied';
    if (this.pending >= this.maxPending) return 'busy';
    this.pending++;
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
    }
    const ok = known && matched;
    remember(ok ? this.granted : this.refused, cacheKey, this.cacheSize);
    return ok ? 'ok' : 'denied';
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
