// Reading the web config file and the certificates it names, and re-reading them when one changes (stat on
// each connection and request, as the toolkit reads its file on each request), keeping the last good
// settings when a new file is broken.
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { ConfigError } from '../config.js';
import { bcryptCost } from './basic-auth.js';
import type { Log } from './state.js';
import { type TlsSettings, validateWebConfig, type WebConfig } from './web-config.js';
import { loadYaml, parseYaml, type YamlModule } from './web-config-values.js';

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
