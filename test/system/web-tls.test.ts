// The real daemon (dist/cli.js serve) with --web.config.file, scraped by a real TLS client (curl) over
// certificates made here with openssl: right and wrong passwords, the minimum TLS version, the file and
// the certificate re-read on change, client certificates, and exit 78 for a bad file. 127.0.0.1 only.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  GiveUp,
  HOSTS,
  missingTools,
  shouldRun,
  type Started,
  startProcess,
  stopProcess,
  waitFor,
} from './system-helpers.js';

const missing = missingTools(['curl', 'openssl']);

describe.runIf(shouldRun(missing))('web config with TLS and basic auth (curl, openssl)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-tls-'));
  const file = (name: string) => path.join(dir, name);
  let hash = '';
  let serve: Started | undefined;
  let port = '';

  const openssl = (args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
  /** A certificate for 127.0.0.1 signed by the test CA. */
  const serverCert = (name: string, cn: string) => {
    openssl(
      ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${cn}`,
      ]),
    );
    writeFileSync(file(`${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
        '-days',
        '2',
        '-out',
        `${name}.crt`,
        '-extfile',
        `${name}.ext`,
      ]),
    );
  };
  const writeConfig = (text: string) => {
    writeFileSync(file('web.yml.tmp'), text);
    renameSync(file('web.yml.tmp'), file('web.yml'));
  };
  const config = (tls: string) => `tls_server_config:\n${tls}basic_auth_users:\n  prometheus: '${hash}'\n`;

  /** curl against the daemon; returns the HTTP code ('000' when no HTTP answer), exit code and output. */
  const curl = (args: string[], route = '/metrics') => {
    const result = spawnSync(
      'curl',
      // Generous: a refused login costs a bcrypt check (cost 10 for an unknown user), slow on a loaded machine.
      ['-sS', '--max-time', '120', '--cacert', file('ca.crt'), '-w', '\n%{http_code}', ...args].concat([
        `https://127.0.0.1:${port}${route}`,
      ]),
      { encoding: 'utf8', timeout: 150_000 },
    );
    const lines = result.stdout.trimEnd().split('\n');
    return {
      code: lines.at(-1) ?? '',
      body: lines.slice(0, -1).join('\n'),
      exit: result.status,
      stderr: result.stderr,
    };
  };

  beforeAll(async () => {
    expect(missing, 'tools missing (apt-get install curl openssl)').toEqual([]);
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        '2',
        '-subj',
        '/CN=xendoctor test CA',
      ]),
    );
    serverCert('server', 'first');
    serverCert('client', 'prometheus-client');
    const bcrypt = await import('bcryptjs');
    hash = await bcrypt.default.hash('s3cret', 4);
    writeConfig(config('  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n'));
    serve = startProcess(process.execPath, [
      CLI,
      'serve',
      '--replay',
      path.join(HOSTS, 'dom0-domu-credit2'),
      '--web.listen-address',
      '127.0.0.1:0',
      '--web.config.file',
      file('web.yml'),
    ]);
    const started = serve;
    port = await waitFor(
      async () => {
        if (started.child.exitCode !== null) throw new GiveUp(`serve exited: ${started.output()}`);
        return /"address":"127\.0\.0\.1:(\d+)"/.exec(started.output())?.[1];
      },
      15_000,
      'xendoctor serve to listen',
    );
    await waitFor(
      async () => (curl(['-u', 'prometheus:s3cret'], '/report.json').code === '200' ? true : undefined),
      15_000,
      'a first cycle',
    );
  }, 90_000);

  afterAll(async () => {
    if (serve) expect(await stopProcess(serve)).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves metrics over TLS to the right password; 401 with WWW-Authenticate otherwise', () => {
    const ok = curl(['-u', 'prometheus:s3cret']);
    expect(ok.code).toBe('200');
    expect(ok.body).toContain('xendoctor_check_status{check="xen-hypervisor"} 0');
    for (const auth of [['-u', 'prometheus:wrong'], ['-u', 'root:s3cret'], []]) {
      const refused = curl(['-i', ...auth]);
      expect(refused.code, auth.join(' ')).toBe('401');
      expect(refused.body).toMatch(/^www-authenticate: Basic realm="xendoctor"/im);
      expect(refused.body).not.toContain('xendoctor_check_status');
    }
    expect(curl(['-u', 'prometheus:s3cret', '-X', 'POST']).code).toBe('405');
  });

  it('enforces min_version: a TLS 1.2 client is refused in the handshake', () => {
    const old = curl(['-u', 'prometheus:s3cret', '--tls-max', '1.2']);
    expect(old.code).toBe('000');
    expect(old.exit).toBe(35); // CURLE_SSL_CONNECT_ERROR
    expect(old.stderr).toMatch(/protocol version/);
  });

  it('re-reads the file on change: min_version lowered, then a renewed certificate is served', async () => {
    writeConfig(config('  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS12\n'));
    expect(curl(['-u', 'prometheus:s3cret', '--tls-max', '1.2']).code).toBe('200');

    // Renew the certificate in place (new key too), as certbot or an operator would.
    serverCert('renewed', 'renewed');
    renameSync(file('renewed.key'), file('server.key'));
    renameSync(file('renewed.crt'), file('server.crt'));
    const verbose = curl(['-v', '-u', 'prometheus:s3cret']);
    expect(verbose.code).toBe('200');
    expect(verbose.stderr).toMatch(/subject: CN=renewed/);
  });

  it('keeps the last good config when the new one is broken or switches TLS off', async () => {
    writeConfig(config('  cert_file: server.crt\n  key_file: missing.key\n'));
    expect(curl(['-u', 'prometheus:s3cret']).code).toBe('200');
    writeConfig(`basic_auth_users:\n  prometheus: '${hash}'\n`);
    expect(curl(['-u', 'prometheus:s3cret']).code).toBe('200');
    // curl ran synchronously: let the daemon's log lines arrive.
    const logged = (pattern: RegExp) =>
      waitFor(async () => (pattern.test(serve?.output() ?? '') ? true : undefined), 5000, String(pattern));
    await logged(/"level":50.*key_file: cannot read .*missing\.key.*"msg":"web config not reloaded/);
    await logged(
      /"level":50.*tls_server_config was removed; switching between HTTP and HTTPS needs a restart/,
    );
  });

  it('requires and verifies a client certificate with RequireAndVerifyClientCert', () => {
    writeConfig(
      config(
        '  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n',
      ),
    );
    const without = curl(['-u', 'prometheus:s3cret']);
    expect(without.code).toBe('000');
    const withCert = curl([
      '-u',
      'prometheus:s3cret',
      '--cert',
      file('client.crt'),
      '--key',
      file('client.key'),
    ]);
    expect(withCert.code).toBe('200');
    // A certificate from another CA is refused too.
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
        '-keyout',
        'self.key',
        '-out',
        'self.crt',
        '-days',
        '2',
        '-subj',
        '/CN=self-signed',
      ]),
    );
    expect(
      curl(['-u', 'prometheus:s3cret', '--cert', file('self.crt'), '--key', file('self.key')]).code,
    ).toBe('000');
  });

  it('exits 78 with the reason for a bad web config file', () => {
    writeFileSync(
      file('bad.yml'),
      'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: SSL3\n',
    );
    const result = spawnSync(
      process.execPath,
      [
        CLI,
        'serve',
        '--replay',
        path.join(HOSTS, 'dom0-credit2'),
        '--web.listen-address',
        '127.0.0.1:0',
      ].concat(['--web.config.file', file('bad.yml')]),
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(
      /bad configuration: .*bad\.yml: tls_server_config\.min_version must be one of TLS10, TLS11, TLS12, TLS13, got "SSL3"/,
    );
  });
});
