// --web.config.file: the Prometheus exporter-toolkit web configuration, the YAML file node_exporter takes
// (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md), so an existing
// Prometheus setup scrapes xendoctor as it scrapes node_exporter. `validateWebConfig` is pure (parsed YAML
// in, settings out); `readWebConfig` reads the file and the certificates; `WebConfigSource` re-reads them
// when one changes (stat on each connection and request, as the toolkit reads its file on each request)
// and keeps the last good settings when a new file is broken.
// Split by concern: web-config-tls-names.ts (Go's names -> OpenSSL's), web-config-values.ts (YAML value
// types), web-config-client.ts (client certificates and SANs), web-config-source.ts (reading, reloading).
import * as path from 'node:path';
import type * as tls from 'node:tls';
import { ConfigError } from '../config.js';
import { bool, goDurationMs, integer, object, string, stringList } from './web-config-values.js';
import { CIPHERS, CURVES, TLS13_CIPHERS, TLS_VERSIONS, VERSION_ORDER } from './web-config-tls-names.js';

export type ClientAuth =
  | 'NoClientCert'
  | 'RequestClientCert'
  | 'RequireAnyClientCert'
  | 'VerifyClientCertIfGiven'
  | 'RequireAndVerifyClientCert';

export interface TlsSettings {
  /** What tls.createSecureContext / server.setSecureContext take (certificates read, names mapped). */
  secure: tls.SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean };
  clientAuth: ClientAuth;
  /** client_allowed_sans: a client certificate must carry one of these SANs. */
  allowedSans: string[] | undefined;
}

export interface WebConfig {
  /** undefined: plain HTTP. */
  tls: TlsSettings | undefined;
  /** User name -> bcrypt hash; empty: no authentication. */
  users: Map<string, string>;
  /** http_server_config.headers, set on every response. */
  headers: Record<string, string>;
  /** rate_limit (the toolkit's: one bucket for all clients); undefined: off. */
  rateLimit: { perSecond: number; burst: number } | undefined;
  /** The files read (the config, certificates, CA): a change to any of them triggers a re-read. */
  files: string[];
  /** The files holding secrets (the config with its password hashes, the TLS key): nobody else should read them. */
  secretFiles: string[];
}

/** The toolkit's keys; anything else is an error (the toolkit parses strictly too). */
const TOP_KEYS = ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit'];
const TLS_KEYS = [
  'cert',
  'key',
  'client_ca',
  'cert_file',
  'key_file',
  'client_auth_type',
  'client_ca_file',
  'client_allowed_sans',
  'min_version',
  'max_version',
  'cipher_suites',
  'prefer_server_cipher_suites',
  'curve_preferences',
];
const HTTP_KEYS = ['http2', 'headers'];
const RATE_KEYS = ['interval', 'burst'];

const CLIENT_AUTH: readonly ClientAuth[] = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
];

/** The headers the toolkit lets a config set, with the values it accepts (none listed: any). */
const HEADERS: Record<string, readonly string[] | undefined> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

/** "$2y$10$" + 53 characters of bcrypt's base64 (htpasswd -B writes $2y$; bcryptjs reads $2a/$2b/$2y). */
const BCRYPT = /^\$2[aby]?\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$/;

/** A TLS part whose files are not read yet: validateWebConfig is pure, readWebConfig reads them. */
interface TlsPlan {
  cert: { file?: string; inline?: string };
  key: { file?: string; inline?: string };
  clientCa: { file?: string; inline?: string } | undefined;
  clientAuth: ClientAuth;
  allowedSans: string[] | undefined;
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  ciphers: string | undefined;
  honorCipherOrder: boolean;
  ecdhCurve: string | undefined;
}

export interface WebConfigPlan {
  tls: TlsPlan | undefined;
  users: Map<string, string>;
  headers: Record<string, string>;
  rateLimit: { perSecond: number; burst: number } | undefined;
}

/**
 * Checks a parsed web config file (the YAML as plain data) and resolves relative file names against
 * `dir` (the config file's folder, as the toolkit does). Throws ConfigError naming the key and the value.
 */
export function validateWebConfig(raw: unknown, where: string, dir: string): WebConfigPlan {
  // An empty file is a valid config: no TLS, no users (the toolkit's behaviour).
  if (raw === null || raw === undefined) {
    return { tls: undefined, users: new Map(), headers: {}, rateLimit: undefined };
  }
  const top = object(where, raw, TOP_KEYS);
  const plan: WebConfigPlan = {
    tls: top.tls_server_config === undefined ? undefined : tlsPlan(where, top.tls_server_config, dir),
    users: users(`${where}: basic_auth_users`, top.basic_auth_users),
    headers: {},
    rateLimit: undefined,
  };
  if (top.http_server_config !== undefined && top.http_server_config !== null) {
    const http = object(`${where}: http_server_config`, top.http_server_config, HTTP_KEYS);
    // http2: accepted for compatibility; xendoctor serves HTTP/1.1 (what Prometheus scrapes with).
    if (http.http2 !== undefined) bool(`${where}: http_server_config.http2`, http.http2);
    plan.headers = headers(`${where}: http_server_config.headers`, http.headers);
  }
  if (top.rate_limit !== undefined && top.rate_limit !== null) {
    const rate = object(`${where}: rate_limit`, top.rate_limit, RATE_KEYS);
    const intervalMs =
      rate.interval === undefined ? 0 : goDurationMs(`${where}: rate_limit.interval`, rate.interval);
    const burst = rate.burst === undefined ? 0 : integer(`${where}: rate_limit.burst`, rate.burst);
    if (intervalMs > 0) {
      if (burst < 1) throw new ConfigError(`${where}: rate_limit.burst must be at least 1, got ${burst}`);
      plan.rateLimit = { perSecond: 1000 / intervalMs, burst };
    }
  }
  return plan;
}

function tlsPlan(where: string, value: unknown, dir: string): TlsPlan {
  // An empty tls_server_config means someone wanted TLS: never fall back to plain HTTP for it (basic auth
  // would then go over the wire in clear text).
  if (value === null || (typeof value === 'object' && Object.keys(value).length === 0)) {
    throw new ConfigError(
      `${where}: tls_server_config is empty; give cert_file and key_file, or remove the key to serve plain HTTP`,
    );
  }
  const t = object(`${where}: tls_server_config`, value, TLS_KEYS);
  const at = (key: string) => `${where}: tls_server_config.${key}`;
  const source = (inlineKey: string, fileKey: string) => {
    const inline = t[inlineKey] === undefined ? undefined : string(at(inlineKey), t[inlineKey]);
    const file = t[fileKey] === undefined ? undefined : string(at(fileKey), t[fileKey]);
    if (inline !== undefined && file !== undefined) {
      throw new ConfigError(`${where}: tls_server_config: give ${inlineKey} or ${fileKey}, not both`);
    }
    if (file !== undefined) return { file: path.resolve(dir, file) };
    if (inline !== undefined) return { inline };
    return undefined;
  };
  const cert = source('cert', 'cert_file');
  const key = source('key', 'key_file');
  const clientCa = source('client_ca', 'client_ca_file');
  const clientAuthText =
    t.client_auth_type === undefined ? 'NoClientCert' : string(at('client_auth_type'), t.client_auth_type);
  // "RequireClientCert" is the toolkit's old name for RequireAnyClientCert.
  const clientAuth = (clientAuthText === 'RequireClientCert' ? 'RequireAnyClientCert' : clientAuthText) as
    ClientAuth | string;
  if (!(CLIENT_AUTH as readonly string[]).includes(clientAuth)) {
    throw new ConfigError(
      `${at('client_auth_type')} must be one of ${CLIENT_AUTH.join(', ')}, got ${JSON.stringify(clientAuthText)}`,
    );
  }
  if (!cert) throw new ConfigError(`${where}: tls_server_config needs cert_file (or cert)`);
  if (!key) throw new ConfigError(`${where}: tls_server_config needs key_file (or key)`);
  if (clientCa && clientAuth === 'NoClientCert') {
    throw new ConfigError(
      `${where}: tls_server_config: a client CA is set but client_auth_type is NoClientCert (use RequireAndVerifyClientCert)`,
    );
  }
  let allowedSans: string[] | undefined;
  if (t.client_allowed_sans !== undefined && t.client_allowed_sans !== null) {
    allowedSans = stringList(at('client_allowed_sans'), t.client_allowed_sans);
    if (clientAuth !== 'RequireAnyClientCert' && clientAuth !== 'RequireAndVerifyClientCert') {
      throw new ConfigError(
        `${at('client_allowed_sans')} needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert, got ${clientAuth}`,
      );
    }
  }
  const version = (key: string, fallback: tls.SecureVersion) => {
    if (t[key] === undefined) return fallback;
    const text = string(at(key), t[key]);
    const mapped = TLS_VERSIONS[text];
    if (!mapped) {
      throw new ConfigError(
        `${at(key)} must be one of ${Object.keys(TLS_VERSIONS).join(', ')}, got ${JSON.stringify(text)}`,
      );
    }
    return mapped;
  };
  const minVersion = version('min_version', 'TLSv1.2');
  const maxVersion = version('max_version', 'TLSv1.3');
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) {
    throw new ConfigError(`${where}: tls_server_config: min_version is above max_version`);
  }
  // Go's names for cipher suites and curves, as OpenSSL's; an unknown name is refused with the known ones.
  const named = (key: string, table: Record<string, string>, what: string): string[] => {
    if (t[key] === undefined || t[key] === null) return [];
    return stringList(at(key), t[key]).map((name) => {
      const openssl = table[name];
      if (!openssl) {
        throw new ConfigError(
          `${at(key)}: unknown ${what} ${JSON.stringify(name)} (known: ${Object.keys(table).join(', ')})`,
        );
      }
      return openssl;
    });
  };
  const cipherNames = named('cipher_suites', CIPHERS, 'cipher');
  const ciphers = cipherNames.length > 0 ? [TLS13_CIPHERS, ...cipherNames].join(':') : undefined;
  const curveNames = named('curve_preferences', CURVES, 'curve');
  const ecdhCurve = curveNames.length > 0 ? curveNames.join(':') : undefined;
  const honorCipherOrder =
    t.prefer_server_cipher_suites === undefined
      ? true
      : bool(at('prefer_server_cipher_suites'), t.prefer_server_cipher_suites);
  return {
    cert,
    key,
    clientCa,
    clientAuth: clientAuth as ClientAuth,
    allowedSans,
    minVersion,
    maxVersion,
    ciphers,
    honorCipherOrder,
    ecdhCurve,
  };
}

function users(where: string, value: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (value === undefined || value === null) return map;
  const entries = object(where, value);
  for (const [user, hash] of Object.entries(entries)) {
    if (user === '' || user.includes(':')) {
      throw new ConfigError(`${where}: user name ${JSON.stringify(user)} must be non-empty and without ":"`);
    }
    if (typeof hash !== 'string' || !BCRYPT.test(hash)) {
      // Never echo the value: it may be a password someone pasted instead of its hash.
      throw new ConfigError(
        `${where}.${user} must be a bcrypt hash ($2y$10$... from \`htpasswd -nBC 10 "" | tr -d ':\\n'\`)`,
      );
    }
    map.set(user, hash);
  }
  return map;
}

function headers(where: string, value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  const entries = object(where, value);
  const out: Record<string, string> = {};
  for (const [name, given] of Object.entries(entries)) {
    if (!(name in HEADERS)) {
      throw new ConfigError(
        `${where}: header ${JSON.stringify(name)} cannot be configured (allowed: ${Object.keys(HEADERS).join(', ')})`,
      );
    }
    const text = string(`${where}.${name}`, given);
    const allowed = HEADERS[name];
    if ((allowed && !allowed.includes(text)) || /[\r\n\0]/.test(text)) {
      throw new ConfigError(
        `${where}.${name} must be ${allowed ? `one of ${allowed.join(', ')}` : 'one line'}, got ${JSON.stringify(text)}`,
      );
    }
    // Unset if blank (the toolkit's rule).
    if (text !== '') out[name] = text;
  }
  return out;
}
