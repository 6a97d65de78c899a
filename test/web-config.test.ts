// The web config file (exporter-toolkit format), basic auth with its bcrypt cache, the rate limiter and
// the serve flags for them: pure parts, no server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import { ConfigError, configFlags, DEFAULT_RATE_LIMIT, loadConfig } from '../src/config.js';
import { BasicAuth, parseBasic } from '../src/exporter/basic-auth.js';
import { ClientRateLimiter, TokenBucket } from '../src/exporter/limits.js';
import { validateWebConfig } from '../src/exporter/web-config.js';
import { subjectAltNames } from '../src/exporter/web-config-client.js';
import { readWebConfig } from '../src/exporter/web-config-source.js';
import { goDurationMs, loadYaml, parseYaml } from '../src/exporter/web-config-values.js';
import { hostFlags } from '../src/host-flags.js';
import { expectLinear } from './linear.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-webcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// bcrypt("s3cret", cost 4) made with bcryptjs; the toolkit's docs use htpasswd's $2y$ prefix, same hash.
const HASH = '$2b$04$jQHZhm/VAkwu6pjiWgY5quJztB.Z3Eeu.NLsn0JCusqUjD5s6bOK6';
const HASH_2Y = HASH.replace('$2b$', '$2y$');

const validate = (raw: unknown) => validateWebConfig(raw, 'web.yml', '/etc/xendoctor');
const error = (raw: unknown) => {
  try {
    validate(raw);
  } catch (caught) {
    expect(caught).toBeInstanceOf(ConfigError);
    return (caught as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('validateWebConfig (exporter-toolkit format)', () => {
  it('reads the toolkit example: TLS files resolved against the config folder, users, headers', () => {
    const plan = validate({
      tls_server_config: { cert_file: 'server.crt', key_file: '/abs/server.key', min_version: 'TLS13' },
      http_server_config: { http2: false, headers: { 'X-Frame-Options': 'deny', 'X-XSS-Protection': '' } },
      basic_auth_users: { prometheus: HASH_2Y },
    });
    expect(plan.tls?.cert).toEqual({ file: '/etc/xendoctor/server.crt' });
    expect(plan.tls?.key).toEqual({ file: '/abs/server.key' });
    expect(plan.tls?.minVersion).toBe('TLSv1.3');
    expect(plan.tls?.maxVersion).toBe('TLSv1.3');
    expect(plan.tls?.clientAuth).toBe('NoClientCert');
    expect([...plan.users]).toEqual([['prometheus', HASH_2Y]]);
    // A blank value unsets the header, as in the toolkit.
    expect(plan.headers).toEqual({ 'X-Frame-Options': 'deny' });
  });

  it('gives the toolkit defaults for an empty file: no TLS, no users, TLS 1.2 minimum once TLS is on', () => {
    expect(validate(null)).toEqual({ tls: undefined, users: new Map(), headers: {}, rateLimit: undefined });
    expect(validate({ tls_server_config: { cert_file: 'c', key_file: 'k' } }).tls?.minVersion).toBe(
      'TLSv1.2',
    );
  });

  it('maps Go cipher and curve names to OpenSSL names, keeping the TLS 1.3 suites', () => {
    const plan = validate({
      tls_server_config: {
        cert_file: 'c',
        key_file: 'k',
        cipher_suites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
        curve_preferences: ['X25519', 'CurveP256'],
        prefer_server_cipher_suites: false,
      },
    });
    expect(plan.tls?.ciphers).toMatch(/^TLS_AES_256_GCM_SHA384:.*:ECDHE-RSA-AES128-GCM-SHA256$/);
    expect(plan.tls?.ecdhCurve).toBe('X25519:prime256v1');
    expect(plan.tls?.honorCipherOrder).toBe(false);
  });

  it('reads rate_limit as the toolkit does: a Go duration between requests and a burst', () => {
    expect(validate({ rate_limit: { interval: '100ms', burst: 5 } }).rateLimit).toEqual({
      perSecond: 10,
      burst: 5,
    });
    expect(validate({ rate_limit: { interval: '0', burst: 5 } }).rateLimit).toBeUndefined();
    expect(error({ rate_limit: { interval: '1s', burst: 0 } })).toMatch(/burst must be at least 1/);
  });

  it('refuses unknown keys, naming the key and the known ones', () => {
    expect(error({ tls_config: {} })).toMatch(
      /web\.yml: unknown key "tls_config" \(known: tls_server_config/,
    );
    expect(error({ tls_server_config: { cert_file: 'c', key_file: 'k', certfile: 'x' } })).toMatch(
      /tls_server_config: unknown key "certfile"/,
    );
    expect(error({ http_server_config: { header: {} } })).toMatch(/unknown key "header"/);
  });

  it('refuses what the toolkit refuses, and a half-done TLS section rather than serving plain HTTP', () => {
    expect(error({ tls_server_config: { min_version: 'TLS13' } })).toMatch(/needs cert_file/);
    expect(error({ tls_server_config: { cert_file: 'c' } })).toMatch(/needs key_file/);
    expect(error({ tls_server_config: { cert_file: 'c', cert: 'PEM', key_file: 'k' } })).toMatch(
      /give cert or cert_file, not both/,
    );
    expect(error({ tls_server_config: { cert_file: 'c', key_file: 'k', min_version: 'TLS1.2' } })).toMatch(
      /min_version must be one of TLS10, TLS11, TLS12, TLS13, got "TLS1.2"/,
    );
    expect(
      error({
        tls_server_config: { cert_file: 'c', key_file: 'k', min_version: 'TLS13', max_version: 'TLS12' },
      }),
    ).toMatch(/min_version is above max_version/);
    expect(
      error({ tls_server_config: { cert_file: 'c', key_file: 'k', client_auth_type: 'Maybe' } }),
    ).toMatch(/client_auth_type must be one of NoClientCert, .*got "Maybe"/);
    expect(error({ tls_server_config: { cert_file: 'c', key_file: 'k', client_ca_file: 'ca' } })).toMatch(
      /client CA is set but client_auth_type is NoClientCert/,
    );
    expect(
      error({ tls_server_config: { cert_file: 'c', key_file: 'k', client_allowed_sans: ['x'] } }),
    ).toMatch(
      /client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert/,
    );
    expect(error({ tls_server_config: { cert_file: 'c', key_file: 'k', cipher_suites: ['RC4'] } })).toMatch(
      /unknown cipher "RC4"/,
    );
    expect(
      error({ tls_server_config: { cert_file: 'c', key_file: 'k', curve_preferences: ['CurveP999'] } }),
    ).toMatch(/unknown curve "CurveP999"/);
    expect(error({ http_server_config: { headers: { 'X-Powered-By': 'x' } } })).toMatch(
      /header "X-Powered-By" cannot be configured/,
    );
    expect(error({ http_server_config: { headers: { 'X-Frame-Options': 'allow' } } })).toMatch(
      /X-Frame-Options must be one of deny, sameorigin/,
    );
    expect(
      error({ http_server_config: { headers: { 'Content-Security-Policy': 'a\r\nSet-Cookie: x' } } }),
    ).toMatch(/must be one line/);
  });

  it('accepts the old RequireClientCert name for RequireAnyClientCert', () => {
    const plan = validate({
      tls_server_config: { cert_file: 'c', key_file: 'k', client_auth_type: 'RequireClientCert' },
    });
    expect(plan.tls?.clientAuth).toBe('RequireAnyClientCert');
  });

  it('refuses a password in place of a bcrypt hash without echoing it', () => {
    const message = error({ basic_auth_users: { prometheus: 'hunter2' } });
    expect(message).toMatch(/basic_auth_users\.prometheus must be a bcrypt hash/);
    expect(message).not.toContain('hunter2');
    expect(error({ basic_auth_users: { 'a:b': HASH } })).toMatch(/without ":"/);
  });
});

describe('YAML and files', () => {
  it('reports a YAML error and a duplicate key with the file name', async () => {
    const yaml = await loadYaml();
    expect(() => parseYaml(yaml, 'web.yml', 'basic_auth_users: [unclosed')).toThrow(
      /web\.yml is not valid YAML/,
    );
    expect(() => parseYaml(yaml, 'web.yml', 'rate_limit: {}\nrate_limit: {}\n')).toThrow(ConfigError);
    expect(parseYaml(yaml, 'web.yml', '')).toBeNull();
  });

  it('refuses an alias bomb instead of expanding it', async () => {
    const yaml = await loadYaml();
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    expect(() => parseYaml(yaml, 'web.yml', lines.join('\n'))).toThrow();
  });

  it('reads a config whose certificate does not exist as a ConfigError naming the key and file', async () => {
    const yaml = await loadYaml();
    const file = path.join(dir, 'missing-cert.yml');
    writeFileSync(file, 'tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n');
    expect(() => readWebConfig(yaml, file)).toThrow(/tls_server_config\.cert_file: cannot read .*nope\.crt/);
  });
});

describe('goDurationMs (Go time.ParseDuration)', () => {
  it('reads units and sums, refuses garbage quickly', () => {
    expect(goDurationMs('x', '1s')).toBe(1000);
    expect(goDurationMs('x', '1m30s')).toBe(90_000);
    expect(goDurationMs('x', '250ms')).toBe(250);
    expect(goDurationMs('x', 0)).toBe(0);
    expect(() => goDurationMs('x', '1 second')).toThrow(/must be a duration/);
    expect(() => goDurationMs('x', '')).toThrow(ConfigError);
    expect(() => goDurationMs('x', `${'1s'.repeat(50_000)}x`)).toThrow(ConfigError);
    // Quickly: linear in the length of the garbage (no backtracking regex).
    expectLinear(
      (text) => goDurationMs('x', text),
      (size) => `${'1s'.repeat(size / 2)}x`,
      1_000_000,
      ConfigError,
    );
  });
});

describe('subjectAltNames', () => {
  it("reads Node's subjectaltname text, quoted values included", () => {
    expect(subjectAltNames('DNS:prom.example, IP Address:127.0.0.1, email:a@b, URI:spiffe://x/y')).toEqual([
      'prom.example',
      '127.0.0.1',
      'a@b',
      'spiffe://x/y',
    ]);
    expect(subjectAltNames('DNS:"a, b", DNS:c')).toEqual(['a, b', 'c']);
    expect(subjectAltNames(undefined)).toEqual([]);
  });
});

describe('basic auth', () => {
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('parses Authorization headers and refuses malformed ones', () => {
    expect(parseBasic(basic('prom', 'a:b'))).toEqual({ user: 'prom', password: 'a:b' });
    expect(parseBasic('basic  ' + Buffer.from('u:').toString('base64'))).toEqual({ user: 'u', password: '' });
    expect(parseBasic('Bearer abc')).toBeUndefined();
    expect(parseBasic(`Basic ${Buffer.from(':nouser').toString('base64')}`)).toBeUndefined();
    expect(parseBasic(undefined)).toBeUndefined();
  });

  it('checks against real bcrypt hashes ($2b$ and $2y$) and refuses unknown users and wrong passwords', async () => {
    const auth = new BasicAuth();
    const users = new Map([
      ['b', HASH],
      ['y', HASH_2Y],
    ]);
    expect(await auth.check(basic('b', 's3cret'), users)).toBe('ok');
    expect(await auth.check(basic('y', 's3cret'), users)).toBe('ok');
    expect(await auth.check(basic('b', 'wrong'), users)).toBe('denied');
    expect(await auth.check(basic('nobody', 's3cret'), users)).toBe('denied');
    expect(await auth.check(undefined, users)).toBe('denied');
  });

  it('runs bcrypt once per distinct credentials: a scraper pays it once, a cached refusal stays refused', async () => {
    let runs = 0;
    const auth = new BasicAuth({
      compare: async (password) => {
        runs++;
        return password === 'right';
      },
    });
    const users = new Map([['prom', HASH]]);
    for (let i = 0; i < 20; i++) expect(await auth.check(basic('prom', 'right'), users)).toBe('ok');
    expect(runs).toBe(1);
    for (let i = 0; i < 5; i++) expect(await auth.check(basic('prom', 'wrong'), users)).toBe('denied');
    expect(runs).toBe(2);
    // A new config (another hash for the same user) is a new key: checked again.
    expect(await auth.check(basic('prom', 'right'), new Map([['prom', HASH_2Y]]))).toBe('ok');
    expect(runs).toBe(3);
    auth.clear();
    expect(await auth.check(basic('prom', 'right'), users)).toBe('ok');
    expect(runs).toBe(4);
  });

  it('keeps successes apart from failures: a password guesser cannot evict the scraper', async () => {
    let runs = 0;
    const auth = new BasicAuth({
      cacheSize: 4,
      compare: async (password) => {
        runs++;
        return password === 'right';
      },
    });
    const users = new Map([['prom', HASH]]);
    await auth.check(basic('prom', 'right'), users);
    for (let i = 0; i < 50; i++) await auth.check(basic('prom', `guess${i}`), users);
    const before = runs;
    expect(await auth.check(basic('prom', 'right'), users)).toBe('ok');
    expect(runs).toBe(before);
  });

  it('says busy instead of queueing without bound while bcrypt runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const auth = new BasicAuth({
      maxPending: 2,
      compare: async () => {
        await gate;
        return false;
      },
    });
    const users = new Map([['prom', HASH]]);
    const first = auth.check(basic('prom', 'a'), users);
    const second = auth.check(basic('prom', 'b'), users);
    expect(await auth.check(basic('prom', 'c'), users)).toBe('busy');
    release();
    expect(await Promise.all([first, second])).toEqual(['denied', 'denied']);
  });
});

describe('rate limiting', () => {
  it('a token bucket allows the burst, then the rate, and says when to come back', () => {
    const bucket = new TokenBucket(2, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)].every((v) => v.ok)).toBe(true);
    expect(bucket.take(0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(bucket.take(500).ok).toBe(true);
    expect(bucket.take(500).ok).toBe(false);
  });

  it('keeps one bucket per client and a bounded table', () => {
    const limiter = new ClientRateLimiter(1, 1, 100);
    expect(limiter.take('10.0.0.1', 0).ok).toBe(true);
    expect(limiter.take('10.0.0.1', 0).ok).toBe(false);
    // Another client is not affected.
    expect(limiter.take('10.0.0.2', 0).ok).toBe(true);
    for (let i = 0; i < 10_000; i++) limiter.take(`192.0.2.${i}`, 0);
    expect(limiter.size).toBeLessThanOrEqual(100);
    expect(new ClientRateLimiter(0, 0).take('x').ok).toBe(true);
  });

  it('refills on its injected clock', () => {
    let nowMs = 5_000;
    const limiter = new ClientRateLimiter(2, 1, 100, () => nowMs);
    expect(limiter.take('10.0.0.1').ok).toBe(true);
    expect(limiter.take('10.0.0.1')).toEqual({ ok: false, retryAfterSeconds: 1 });
    nowMs += 250; // half a token at 2/s
    expect(limiter.take('10.0.0.1').ok).toBe(false);
    nowMs += 250;
    expect(limiter.take('10.0.0.1').ok).toBe(true);
  });
});

describe('serve flags for the endpoint', () => {
  const spec = { ...hostFlags, ...configFlags };
  const load = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    loadConfig(parseArgs(argv, spec), env, [], () => {
      throw Object.assign(new Error('absent'), { code: 'ENOENT' });
    });

  it('has generous defaults and takes flags, variables and a resolved file name', () => {
    expect(load([]).web).toEqual({
      configFile: undefined,
      ratePerSecond: DEFAULT_RATE_LIMIT,
      maxConnections: 128,
    });
    const web = load(['--web.config.file', 'web.yml', '--web.rate-limit', '0'], {
      XENDOCTOR_MAX_CONNECTIONS: '8',
    }).web;
    expect(web).toEqual({ configFile: path.resolve('web.yml'), ratePerSecond: 0, maxConnections: 8 });
  });

  it('names the flag and the value when one is bad', () => {
    expect(() => load(['--web.rate-limit', 'lots'])).toThrow(
      /--web.rate-limit must be a whole number from 0 to 100000, got "lots"/,
    );
    expect(() => load(['--web.max-connections', '0'])).toThrow(
      /--web.max-connections must be a whole number from 1 to 65535/,
    );
  });
});
