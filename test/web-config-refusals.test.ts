// Web config files that must not start the daemon (exit 78, EX_CONFIG, so systemd does not loop on
// restarts), and secrets that every local user could read (a warning in the log).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import type { Log } from '../src/exporter/state.js';
import { validateWebConfig } from '../src/exporter/web-config.js';
import { readWebConfig, WebConfigSource, worldReadable } from '../src/exporter/web-config-source.js';
import { loadYaml, parseYaml } from '../src/exporter/web-config-values.js';
import { HOSTS } from './helpers.js';
import { selfSignedCertificate } from './lifecycle-helpers.js';
import { missingTools } from './system/system-helpers.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-web-refusals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Nine levels of ten aliases each: 10^9 strings once expanded.
const ALIAS_BOMB = (() => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 0; i < 8; i++) {
    const prev = String.fromCharCode(97 + i);
    const next = String.fromCharCode(98 + i);
    lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
  }
  return `${lines.join('\n')}\n`;
})();

const HASH = '$2b$04$jQHZhm/VAkwu6pjiWgY5quJztB.Z3Eeu.NLsn0JCusqUjD5s6bOK6';

function warnings(): Log & { warned: { file?: string; msg: string }[] } {
  const warned: { file?: string; msg: string }[] = [];
  const log: Log = {
    info() {},
    warn: (obj, msg) => warned.push({ ...(obj as { file?: string }), msg }),
    error() {},
    debug() {},
    child: () => log,
  };
  return Object.assign(log, { warned });
}

/** `xendoctor serve` with a web config on a free loopback port; a config that loads would keep it running. */
function serveWith(webConfig: string) {
  const file = path.join(dir, `web-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, webConfig, { mode: 0o600 });
  const replay = path.join(HOSTS, 'dom0-domu-credit2');
  return spawnSync(
    process.execPath,
    [CLI, 'serve', '--replay', replay, '--web.listen-address', '127.0.0.1:0', '--web.config.file', file],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

describe('web config refusals', () => {
  it('turns an alias bomb into a ConfigError (not a ReferenceError, which exited 69)', async () => {
    const yaml = await loadYaml();
    expect(() => parseYaml(yaml, 'web.yml', ALIAS_BOMB)).toThrow(ConfigError);
    expect(() => parseYaml(yaml, 'web.yml', ALIAS_BOMB)).toThrow(/web\.yml is not usable YAML/);
  });

  it('refuses an empty tls_server_config instead of serving plain HTTP', () => {
    for (const empty of [null, {}]) {
      expect(() => validateWebConfig({ tls_server_config: empty }, 'web.yml', '/etc')).toThrow(
        /tls_server_config is empty; give cert_file and key_file/,
      );
    }
    // No key at all is plain HTTP on purpose, as in the toolkit.
    expect(validateWebConfig({ basic_auth_users: { p: HASH } }, 'web.yml', '/etc').tls).toBeUndefined();
  });

  it('makes serve exit 78 on an alias bomb and on an empty tls_server_config', () => {
    const bomb = serveWith(ALIAS_BOMB);
    expect(bomb.status).toBe(78);
    expect(bomb.stderr).toMatch(/bad configuration: .*not usable YAML/);
    const empty = serveWith(`tls_server_config:\nbasic_auth_users:\n  prometheus: '${HASH}'\n`);
    expect(empty.status).toBe(78);
    expect(empty.stderr).toMatch(/tls_server_config is empty/);
  }, 120_000);

  it('warns when the web config file is world-readable, and not once it is 0600', async () => {
    const file = path.join(dir, 'users.yml');
    writeFileSync(file, `basic_auth_users:\n  prometheus: '${HASH}'\n`);
    chmodSync(file, 0o644);
    const open = warnings();
    await WebConfigSource.open(file, open);
    expect(open.warned).toEqual([
      expect.objectContaining({ file, msg: expect.stringMatching(/readable by every local user/) }),
    ]);
    chmodSync(file, 0o600);
    const closed = warnings();
    await WebConfigSource.open(file, closed);
    expect(closed.warned).toEqual([]);
  });

  it.runIf(missingTools(['openssl']).length === 0 || process.env.CI)(
    'counts the TLS key (not the certificate) as a secret and warns when it is world-readable',
    async () => {
      selfSignedCertificate(dir);
      const file = path.join(dir, 'tls.yml');
      writeFileSync(file, 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n', { mode: 0o600 });
      chmodSync(file, 0o600);
      const key = path.join(dir, 'tls.key');
      chmodSync(key, 0o644);
      chmodSync(path.join(dir, 'tls.crt'), 0o644);
      const config = readWebConfig(await loadYaml(), file);
      expect(config.secretFiles).toEqual([file, key]);
      expect(worldReadable(config.secretFiles)).toEqual([key]);
      const log = warnings();
      await WebConfigSource.open(file, log);
      expect(log.warned.map((w) => w.file)).toEqual([key]);
      chmodSync(key, 0o600);
      expect(worldReadable(config.secretFiles)).toEqual([]);
    },
  );
});
