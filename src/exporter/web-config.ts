// --web.config.file: the Prometheus exporter-toolkit web configuration, the YAML file node_exporter takes
// (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md), so an existing
// Prometheus setup scrapes xendoctor as it scrapes node_exporter. `validateWebConfig` is pure (parsed YAML
// in, settings out); `readWebConfig` reads the file and the certificates; `WebConfigSource` re-reads them
// when one changes (stat on each connection and request, as the toolkit reads its file on each request)
// and keeps the last good settings when a new file is broken.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { ConfigError } from '../config.js';
import { bcryptCost } from './basic-auth.js';
import type { Log } from './state.js';

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

const TLS_VERSIONS: Record<string, tls.SecureVersion> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};
const VERSION_ORDER: tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

const CLIENT_AUTH: readonly ClientAuth[] = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
];

/** Go's crypto/tls names (the secure ones, tls.CipherSuites()) -> OpenSSL's, for TLS 1.0-1.2. */
const CIPHERS: Record<string, string> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
};
/** Go always enables the TLS 1.3 suites (cipher_suites does not apply to 1.3); so does this. */
const TLS13_CIPHERS = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

const CURVES: Record<string, string> = {
  CurveP256: 'prime256v1',
  CurveP384: 'secp384r1',
  CurveP521: 'secp521r1',
  X25519: 'X25519',
};

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

/** Go's time.ParseDuration: "1s", "500ms", "1m30s"; a bare number is nanoseconds (Go's YAML), 0 = off. */
export function goDurationMs(where: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value / 1e6;
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '0') return 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  // One number+unit at a time (sticky): linear, no backtracking on a hostile string.
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const match = part.exec(text);
    if (!match) break;
    total += Number(match[1]) * (units[match[2] as string] ?? 0);
    at = part.lastIndex;
  }
  if (text === '' || at !== text.length) {
    throw new ConfigError(
      `${where} must be a duration such as "1s", "500ms" or "1m", got ${JSON.stringify(value)}`,
    );
  }
  return total;
}

function object(where: string, value: unknown, known?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where} must be a mapping, got ${JSON.stringify(value)}`);
  }
  const record = value as Record<string, unknown>;
  if (known) {
    for (const key of Object.keys(record)) {
      if (!known.includes(key)) {
        throw new ConfigError(`${where}: unknown key ${JSON.stringify(key)} (known: ${known.join(', ')})`);
      }
    }
  }
  return record;
}

function string(where: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new ConfigError(`${where} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function stringList(where: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigError(`${where} must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

function bool(where: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function integer(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${where} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

/** Loads the YAML parser once (lazily: a daemon without --web.config.file never loads it). */
export async function loadYaml(): Promise<YamlModule> {
  yamlModule ??= await import('yaml');
  return yamlModule;
}

/** Parses YAML text strictly: duplicate keys and syntax errors are ConfigErrors with the line. */
export function parseYaml(yaml: YamlModule, where: string, text: string): unknown {
  const document = yaml.parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const first = document.errors[0];
  if (first) throw new ConfigError(`${where} is not valid YAML: ${first.message.split('\n')[0]}`);
  // maxAliasCount bounds alias expansion (a "billion laughs" file cannot blow up the heap); yaml throws a
  // ReferenceError past it, which is a bad file (exit 78), not a failure to listen (69, a restart loop).
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (caught) {
    throw new ConfigError(`${where} is not usable YAML: ${(caught as Error).message}`);
  }
}

/** Reads and checks the file and the certificates it names (synchronously: a few small files). */
export function readWebConfig(yaml: YamlModule, file: string): WebConfig {
  const text = readText(file, file);
  const plan = validateWebConfig(parseYaml(yaml, file, text), file, path.dirname(file));
  const files = [file];
  const secretFiles = [file];
  let tlsSettings: TlsSettings | undefined;
  if (plan.tls) {
    const t = plan.tls;
    const load = (what: string, source: { file?: string; inline?: string }) => {
      if (source.file === undefined) return source.inline ?? '';
      files.push(source.file);
      return readText(`${file}: tls_server_config.${what}`, source.file);
    };
    if (t.key.file !== undefined) secretFiles.push(t.key.file);
    const secure: TlsSettings['secure'] = {
      cert: load('cert_file', t.cert),
      key: load('key_file', t.key),
      minVersion: t.minVersion,
      maxVersion: t.maxVersion,
      honorCipherOrder: t.honorCipherOrder,
      requestCert: t.clientAuth !== 'NoClientCert',
      // Only RequireAndVerifyClientCert fails the handshake in OpenSSL; the other policies are checked
      // once the handshake is done (see clientAllowed).
      rejectUnauthorized: t.clientAuth === 'RequireAndVerifyClientCert',
    };
    if (t.clientCa) secure.ca = load('client_ca_file', t.clientCa);
    if (t.ciphers) secure.ciphers = t.ciphers;
    if (t.ecdhCurve) secure.ecdhCurve = t.ecdhCurve;
    try {
      // Throws on a key that does not match the certificate, a bad PEM, unknown ciphers or curves.
      tls.createSecureContext(secure);
    } catch (caught) {
      throw new ConfigError(`${file}: tls_server_config: ${(caught as Error).message}`);
    }
    tlsSettings = { secure, clientAuth: t.clientAuth, allowedSans: t.allowedSans };
  }
  return {
    tls: tlsSettings,
    users: plan.users,
    headers: plan.headers,
    rateLimit: plan.rateLimit,
    files,
    secretFiles,
  };
}

/** Of `files`, those any local user may read (mode o+r): a TLS key or bcrypt hashes there are offered to all. */
export function worldReadable(files: readonly string[]): string[] {
  return files.filter((file) => {
    try {
      return (statSync(file).mode & 0o004) !== 0;
    } catch {
      return false;
    }
  });
}

/** Users hashed at different bcrypt costs: an unknown user (checked at the highest) times unlike the cheaper ones. */
function warnMixedCosts(config: WebConfig, log: Log): void {
  const costs = new Set([...config.users.values()].map((hash) => bcryptCost(hash)));
  if (costs.size > 1) {
    log.warn(
      { costs: [...costs].sort((a, b) => (a ?? 0) - (b ?? 0)) },
      'basic_auth_users are hashed at different bcrypt costs: timing tells which users exist; hash them all at one cost',
    );
  }
}

/** What a config does not refuse but an admin should hear about (at start and on each reload). */
function warnAboutSecrets(config: WebConfig, log: Log): void {
  warnMixedCosts(config, log);
  for (const file of worldReadable(config.secretFiles)) {
    log.warn(
      { file },
      'web config or TLS key is readable by every local user; chmod o-r it (bcrypt hashes and keys are secrets)',
    );
  }
}

function readText(where: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (caught) {
    throw new ConfigError(`${where}: cannot read ${file}: ${(caught as Error).message}`);
  }
}

/**
 * Whether a TLS client passed the policies OpenSSL does not enforce by itself: RequireAnyClientCert (a
 * certificate, verified or not), VerifyClientCertIfGiven (none, or a verified one) and client_allowed_sans.
 */
export function clientAllowed(settings: TlsSettings, socket: tls.TLSSocket): boolean {
  const peer = socket.getPeerCertificate();
  const hasCert = peer !== null && typeof peer === 'object' && Object.keys(peer).length > 0;
  switch (settings.clientAuth) {
    case 'RequireAnyClientCert':
      if (!hasCert) return false;
      break;
    case 'VerifyClientCertIfGiven':
      if (hasCert && !socket.authorized) return false;
      break;
    case 'RequireAndVerifyClientCert':
      if (!hasCert || !socket.authorized) return false;
      break;
    default:
      break;
  }
  if (settings.allowedSans) {
    const sans = subjectAltNames(hasCert ? peer.subjectaltname : undefined);
    if (!sans.some((san) => settings.allowedSans?.includes(san))) return false;
  }
  return true;
}

/**
 * The values of Node's subjectaltname string: "DNS:a.example, IP Address:10.0.0.1, email:x@y, URI:spiffe://x"
 * (values with special characters are JSON-quoted since Node 17).
 */
export function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  const entry =
    /(DNS|IP Address|email|URI|othername|DirName|Registered ID):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  let at = 0;
  while (at < text.length) {
    entry.lastIndex = at;
    const match = entry.exec(text);
    if (!match) break;
    const raw = match[2] as string;
    out.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    at = entry.lastIndex;
  }
  return out;
}

/** What identifies a file's content without reading it: inode, size, mtime, ctime ("" when missing). */
function signature(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        const s = statSync(file, { bigint: true });
        return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
      } catch {
        return '';
      }
    })
    .join('|');
}

/**
 * The current web config, re-read when the file or a certificate it names changes. A new file that does
 * not load (bad YAML, unknown key, key not matching the certificate, TLS switched on or off) is logged at
 * error once and the last good config stays in force.
 */
export class WebConfigSource {
  private lastSignature: string;
  private listeners: ((config: WebConfig) => void)[] = [];

  private constructor(
    readonly file: string,
    private readonly yaml: YamlModule,
    private config: WebConfig,
    private readonly log: Log,
  ) {
    this.lastSignature = signature(config.files);
  }

  /** Loads the file (ConfigError when it is bad: the daemon does not start). */
  static async open(file: string, log: Log): Promise<WebConfigSource> {
    const resolved = path.resolve(file);
    const yaml = await loadYaml();
    const config = readWebConfig(yaml, resolved);
    warnAboutSecrets(config, log);
    return new WebConfigSource(resolved, yaml, config, log);
  }

  get current(): WebConfig {
    return this.config;
  }

  /** Calls `listener` after each successful re-read (the server swaps its TLS context). */
  onChange(listener: (config: WebConfig) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads the files now, changed or not (SIGHUP); returns the config in force. */
  reload(): WebConfig {
    this.lastSignature = '';
    return this.refresh();
  }

  /** Re-reads when a file changed since the last look; returns the config in force. Cheap: a few stats. */
  refresh(): WebConfig {
    const now = signature(this.config.files);
    if (now === this.lastSignature) return this.config;
    this.lastSignature = now;
    let next: WebConfig;
    try {
      next = readWebConfig(this.yaml, this.file);
      if (Boolean(next.tls) !== Boolean(this.config.tls)) {
        throw new ConfigError(
          `${this.file}: tls_server_config was ${next.tls ? 'added' : 'removed'}; switching between HTTP and HTTPS needs a restart`,
        );
      }
    } catch (caught) {
      this.log.error(
        { file: this.file, err: (caught as Error).message },
        'web config not reloaded; the previous one stays in force',
      );
      return this.config;
    }
    this.config = next;
    // A changed certificate list (e.g. cert_file renamed) is watched from now on.
    this.lastSignature = signature(next.files);
    this.log.info({ file: this.file, tls: Boolean(next.tls), users: next.users.size }, 'web config reloaded');
    warnAboutSecrets(next, this.log);
    for (const listener of this.listeners) listener(next);
    return next;
  }
}
