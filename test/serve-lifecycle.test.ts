// The daemon's lifecycle and edges (issue 12, item 8): SIGHUP re-reads and logs instead of killing it,
// SIGTERM kills running commands' process groups and exits, flags out of range and a missing --replay
// folder are refused before anything starts, routes match their exact spelling, and the log warns when
// /report.json is served beyond this host without authentication.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../src/args.js';
import { ConfigError, configFlags, loadConfig } from '../src/config.js';
import { startDaemon, warnIfExposed } from '../src/exporter/daemon.js';
import { close, createServer, listen, requestPath, SHUTDOWN_GRACE_MS } from '../src/exporter/server.js';
import { DaemonState } from '../src/exporter/state.js';
import { WebConfigSource } from '../src/exporter/web-config-source.js';
import { groupProbes } from '../src/exporter/schedule.js';
import type { Log } from '../src/exporter/state.js';
import { createHost } from '../src/host/host.js';
import { hostFlags } from '../src/host-flags.js';
import { probes } from '../src/probes/index.js';
import { daemonConfig, HOSTS, quietLog } from './helpers.js';
import {
  hangingCommand,
  outputMatching,
  processesMarked,
  selfSignedCertificate,
} from './lifecycle-helpers.js';
import { missingTools } from './system/system-helpers.js';
import { CLI, startProcess } from './system/system-helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-lifecycle-'));
// Runs even when a test timed out (its own finally never does then): nothing this file started survives.
const daemons: ReturnType<typeof startProcess>[] = [];
function serveProcess(args: string[]) {
  const started = startProcess(process.execPath, [CLI, 'serve', ...args]);
  daemons.push(started);
  return started;
}
afterAll(() => {
  for (const { child } of daemons) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of processesMarked(dir)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const HOST = path.join(HOSTS, 'dom0-domu-credit2');

function xendoctor(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** One raw request (fetch would normalise the path before sending it); resolves with the status line. */
function rawStatus(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('routes match their exact spelling', () => {
  it('answers 404 to /report.json spelt through the telemetry path with .. or %2e%2e', async () => {
    const daemon = await startDaemon({ config: daemonConfig(), probes, log: quietLog, manual: true });
    try {
      const port = daemon.address.port;
      expect(await rawStatus(port, '/metrics\\..\\report.json')).toBe('HTTP/1.1 404 Not Found');
      expect(await rawStatus(port, '/metrics/%2e%2e/report.json')).toBe('HTTP/1.1 404 Not Found');
      expect(await rawStatus(port, '/metrics/../report.json')).toBe('HTTP/1.1 404 Not Found');
      expect(await rawStatus(port, '//report.json')).toBe('HTTP/1.1 404 Not Found');
      // The real spellings still answer (503: no cycle has run in manual mode), a query is ignored.
      expect(await rawStatus(port, '/report.json')).toBe('HTTP/1.1 503 Service Unavailable');
      expect(await rawStatus(port, '/metrics?x=1')).toBe('HTTP/1.1 200 OK');
    } finally {
      await daemon.stop();
    }
  });

  it('takes the path as sent, without the query', () => {
    expect(requestPath('/metrics?a=b')).toBe('/metrics');
    expect(requestPath('/a\\..\\b')).toBe('/a\\..\\b');
    expect(requestPath(undefined)).toBe('/');
  });
});

describe('ranges of duration and number flags', () => {
  const spec = { ...hostFlags, ...configFlags };
  const load = (argv: string[]) =>
    loadConfig(parseArgs(argv, spec), {}, ['grant-tables'], () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    });

  it.each([
    [['--timeout', '3000000'], /--timeout must be a number of seconds from 0.1 to 3600, got "3000000"/],
    [['--timeout', '0.0001'], /--timeout must be a number of seconds from 0.1 to 3600/],
    [['--web.rate-limit', '1000001'], /--web.rate-limit must be a whole number from 0 to 100000/],
    [['--web.max-connections', '99999999'], /--web.max-connections must be a whole number from 1 to 65535/],
  ])('serve refuses %j (a timer past 2^31-1 ms fires after 1 ms)', (argv, message) => {
    expect(() => load(argv)).toThrow(ConfigError);
    expect(() => load(argv)).toThrow(message);
  });

  it('keeps the largest allowed timeout exact', () => {
    expect(load(['--timeout', '3600']).host.timeoutMs).toBe(3_600_000);
  });

  it('exits 64 for the report and for serve on --timeout 3000000 (the same mistake, the same code)', () => {
    const report = xendoctor(['--replay', HOST, '--timeout', '3000000']);
    expect(report.status).toBe(64);
    expect(report.stderr).toContain('--timeout must be a number of seconds from 0.1 to 3600');
    const serve = xendoctor(['serve', '--replay', HOST, '--timeout', '3000000']);
    expect(serve.status).toBe(64);
    expect(serve.stderr).toContain('--timeout must be a number of seconds from 0.1 to 3600');
  }, 120_000);

  it('applies one rule to a missing --replay folder: the report and serve exit 64, both say why', () => {
    const missing = path.join(dir, 'no-such-capture');
    const report = xendoctor(['--replay', missing]);
    expect(report.status).toBe(64);
    expect(report.stderr).toContain(`--replay ${missing} does not exist`);
    const serve = xendoctor(['serve', '--replay', missing, '--web.listen-address', '127.0.0.1:0']);
    expect(serve.status).toBe(64);
    expect(serve.stderr).toContain(`--replay ${missing} does not exist`);
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    expect(xendoctor(['serve', '--replay', file]).stderr).toContain(`--replay ${file} is not a directory`);
  }, 120_000);
});

describe('stopping kills running commands', () => {
  it('kills the process group of a command in flight when the host is aborted, and starts no new one', async () => {
    const work = mkdtempSync(path.join(dir, 'abort-'));
    const hung = hangingCommand(work, 'xl');
    const stopping = new AbortController();
    const host = createHost({
      root: HOST,
      path: [hung.commands],
      abortSignal: stopping.signal,
      timeoutMs: 3_600_000,
    });
    const running = host.run(['xl', 'info']);
    const [pid, child] = (await hung.started).split(' ').map(Number);
    expect(processesMarked(work)).toEqual(expect.arrayContaining([pid, child]));
    stopping.abort();
    const result = await running;
    expect(result.failed).toBe(true);
    expect(result.stderr).toContain('killed, the agent is stopping');
    const after = await host.run(['xl', 'list']);
    expect(after.stderr).toBe('not started: the agent is stopping');
    // SIGKILL was sent to the group before run() settled; the kernel has delivered it once the shell is
    // reaped, which 'exit' tells. Poll /proc on that event rather than on a clock.
    await new Promise<void>((resolve) => {
      const look = () => (processesMarked(work).length === 0 ? resolve() : setImmediate(look));
      look();
    });
    expect(processesMarked(work)).toEqual([]);
  }, 60_000);

  it('on SIGTERM, serve exits 0 and leaves no child of a hung xl behind', async () => {
    const work = mkdtempSync(path.join(dir, 'term-'));
    const hung = hangingCommand(work, 'xl');
    const serve = serveProcess([
      '--root',
      HOST,
      '--path',
      `${hung.commands}:${path.join(HOST, 'commands')}`,
      '--timeout',
      '600',
      '--web.listen-address',
      '127.0.0.1:0',
    ]);
    try {
      await hung.started; // an xl is running (and will not end for 600 s)
      expect(processesMarked(work).length).toBeGreaterThan(1);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
      expect(serve.output()).toMatch(/"signal":"SIGTERM","msg":"stopping"/);
      expect(processesMarked(work)).toEqual([]);
    } finally {
      serve.child.kill('SIGKILL');
      for (const pid of processesMarked(work)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});

describe('closing the server', () => {
  it.runIf(missingTools(['openssl']).length === 0 || process.env.CI)(
    'drops a silent TLS connection (no handshake yet) after the grace instead of waiting on it',
    async () => {
      const work = mkdtempSync(path.join(dir, 'tls-'));
      selfSignedCertificate(work);
      const web = path.join(work, 'web.yml');
      writeFileSync(web, 'tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n', { mode: 0o600 });
      const server = await createServer({
        state: new DaemonState(probes, groupProbes(probes, 60, {}), quietLog),
        telemetryPath: '/metrics',
        log: quietLog,
        web: { configFile: web, ratePerSecond: 0, maxConnections: 16 },
        // Long limits: only close() may end the connection.
        limits: { handshakeTimeoutMs: 600_000, headersTimeoutMs: 600_000, requestTimeoutMs: 600_000 },
      });
      const { port } = await listen(server, '127.0.0.1', 0);
      const accepted = new Promise<void>((resolve) => server.once('connection', () => resolve()));
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await accepted;
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      try {
        const closed = close(server);
        await vi.advanceTimersByTimeAsync(SHUTDOWN_GRACE_MS);
        await socketClosed;
        await closed;
      } finally {
        vi.useRealTimers();
        socket.destroy();
      }
    },
    30_000,
  );
});

describe('SIGHUP', () => {
  it('re-reads the web config and logs it; the daemon keeps serving', async () => {
    const web = path.join(dir, 'hup.yml');
    writeFileSync(web, 'http_server_config:\n  headers:\n    X-Frame-Options: deny\n', { mode: 0o600 });
    const serve = serveProcess([
      '--replay',
      HOST,
      '--web.listen-address',
      '127.0.0.1:0',
      '--web.config.file',
      web,
    ]);
    try {
      const [, port] = await outputMatching(serve.child, serve.output, /"address":"127\.0\.0\.1:(\d+)"/);
      serve.child.kill('SIGHUP');
      await outputMatching(serve.child, serve.output, /"signal":"SIGHUP","webConfigReloaded":true/);
      expect(serve.output()).toMatch(/"msg":"web config reloaded"/);
      expect(await rawStatus(Number(port), '/healthz')).toMatch(/^HTTP\/1\.1 (200|503)/);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      serve.child.kill('SIGKILL');
    }
  }, 60_000);

  it('is logged and ignored without a web config', async () => {
    const serve = serveProcess(['--replay', HOST, '--web.listen-address', '127.0.0.1:0']);
    try {
      await outputMatching(serve.child, serve.output, /xendoctor serve started/);
      serve.child.kill('SIGHUP');
      await outputMatching(serve.child, serve.output, /"signal":"SIGHUP","webConfigReloaded":false/);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      serve.child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('exposure warning', () => {
  const recorded = (): Log & { warned: string[] } => {
    const warned: string[] = [];
    const log: Log = {
      info() {},
      warn: (_o, msg) => warned.push(msg),
      error() {},
      debug() {},
      child: () => log,
    };
    return Object.assign(log, { warned });
  };
  const at = (address: string) => ({ address, family: address.includes(':') ? 'IPv6' : 'IPv4', port: 19936 });

  it('warns when /report.json is served on every address without authentication, not on loopback', () => {
    for (const address of ['0.0.0.0', '::', '192.0.2.7']) {
      const log = recorded();
      warnIfExposed(at(address), undefined, log);
      expect(log.warned).toEqual([expect.stringMatching(/without authentication beyond this host/)]);
    }
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) {
      const log = recorded();
      warnIfExposed(at(address), undefined, log);
      expect(log.warned).toEqual([]);
    }
  });

  it('does not warn on every address when basic auth is configured', async () => {
    const web = path.join(dir, 'auth.yml');
    const hash = '$2b$04$jQHZhm/VAkwu6pjiWgY5quJztB.Z3Eeu.NLsn0JCusqUjD5s6bOK6';
    writeFileSync(web, `basic_auth_users:\n  prometheus: '${hash}'\n`, { mode: 0o600 });
    const log = recorded();
    warnIfExposed(at('0.0.0.0'), await WebConfigSource.open(web, quietLog), log);
    expect(log.warned).toEqual([]);
  });
});
