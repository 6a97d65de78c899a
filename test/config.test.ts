import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../src/args.js';
import {
  ConfigError,
  configFlags,
  cronFor,
  DEFAULT_PORT,
  EXIT_CONFIG,
  loadConfig,
  parseInterval,
  parseListenAddress,
} from '../src/config.js';
import { defaultSettings } from '../src/context.js';
import { serveCommand } from '../src/exporter/serve-command.js';
import { hostFlags } from '../src/host-flags.js';

const spec = { ...hostFlags, ...configFlags };
const ids = ['grant-tables', 'hypervisor-log', 'bridge-offload'];
const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(content: unknown): string {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const load = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  loadConfig(parseArgs(argv, spec), env, ids, (file) => {
    if (file === '/etc/xendoctor/config.json') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return readFileSync(file, 'utf8');
  });

describe('loadConfig', () => {
  it('has exporter defaults when no file, variable or flag is given (the default file may be absent)', () => {
    const config = load([]);
    expect(config).toMatchObject({
      file: undefined,
      listen: { host: undefined, port: DEFAULT_PORT },
      telemetryPath: '/metrics',
      intervalSeconds: 60,
      logLevel: 'info',
      checks: {},
      settings: defaultSettings,
      host: {},
    });
  });

  it('reads every key of the file, and flags beat variables beat the file', () => {
    const file = configFile({
      listenAddress: '127.0.0.1:9999',
      telemetryPath: '/m',
      interval: '5m',
      logLevel: 'debug',
      root: dir,
      path: '/a:/b',
      commandTimeout: 3,
      thresholds: { gnttabWarnRatio: 0.5 },
      checks: {
        'hypervisor-log': { interval: '1h' },
        'bridge-offload': { enabled: false },
        'grant-tables': { schedule: ' 0 0 3 * * * ' },
      },
    });
    const fromFile = load(['--config', file]);
    expect(fromFile).toMatchObject({
      file,
      listen: { host: '127.0.0.1', port: 9999 },
      telemetryPath: '/m',
      intervalSeconds: 300,
      logLevel: 'debug',
      host: { root: dir, path: ['/a', '/b'], timeoutMs: 3000 },
      checks: {
        'hypervisor-log': { enabled: true, intervalSeconds: 3600 },
        'bridge-offload': { enabled: false },
        'grant-tables': { enabled: true, cron: '0 0 3 * * *' },
      },
    });
    expect(fromFile.settings).toEqual({ ...defaultSettings, gnttabWarnRatio: 0.5 });

    const env = { XENDOCTOR_CONFIG: file, XENDOCTOR_INTERVAL: '30', XENDOCTOR_LISTEN_ADDRESS: ':9000' };
    expect(load([], env)).toMatchObject({ intervalSeconds: 30, listen: { host: undefined, port: 9000 } });
    expect(load(['--interval', '15', '--web.listen-address', '[::1]:9001'], env)).toMatchObject({
      intervalSeconds: 15,
      listen: { host: '::1', port: 9001 },
    });
  });

  it('takes --log.level and --log.format as node_exporter does, --log-level as an alias', () => {
    expect(load([])).toMatchObject({ logLevel: 'info', logFormat: 'json' });
    expect(load(['--log.level', 'trace', '--log.format', 'logfmt'])).toMatchObject({
      logLevel: 'trace',
      logFormat: 'logfmt',
    });
    expect(load(['--log-level=fatal']).logLevel).toBe('fatal');
    // The node_exporter name wins over the alias, flags over variables over the file.
    expect(load(['--log-level', 'debug', '--log.level', 'warn']).logLevel).toBe('warn');
    const env = { XENDOCTOR_LOG_LEVEL: 'error', XENDOCTOR_LOG_FORMAT: 'logfmt' };
    expect(load([], env)).toMatchObject({ logLevel: 'error', logFormat: 'logfmt' });
    expect(load(['--log-level', 'debug', '--log.format', 'json'], env)).toMatchObject({
      logLevel: 'debug',
      logFormat: 'json',
    });
    expect(() => load(['--log.format', 'text'])).toThrow(
      /--log.format must be one of json, logfmt, got "text"/,
    );
    expect(() => load(['--log.level', 'loud'])).toThrow(/--log.level must be one of .*got "loud"/);
  });

  it("turns --replay into root and the agent's replayer (no commands path), and --disable-check into a disabled check", () => {
    const config = load(['--replay', dir, '--disable-check', 'grant-tables']);
    expect(config.host).toEqual({ root: dir, replay: dir });
    expect(config.checks['grant-tables']).toEqual({ enabled: false });
  });

  it.each([
    [{ interval: 90 }, /interval must be seconds that divide a minute.*got 90/],
    [{ interval: 'soon' }, /interval .*got "soon"/],
    [{ listenAddress: 'localhost' }, /listenAddress must be host:port.*got "localhost"/],
    [{ listenAddress: ':70000' }, /got ":70000"/],
    [{ listenAddress: '127.0.0.1:-1' }, /got "127.0.0.1:-1"/],
    [{ logLevel: 'loud' }, /logLevel must be one of .*got "loud"/],
    [{ logFormat: 'xml' }, /logFormat must be one of json, logfmt, got "xml"/],
    [
      { checks: { 'grant-tables': { schedule: '' } } },
      /checks.grant-tables.schedule must be a non-empty string/,
    ],
    [
      { checks: { 'grant-tables': { schedule: '0 0 3 * * *', interval: 60 } } },
      /checks.grant-tables: give either interval or schedule, not both/,
    ],
    [{ commandTimeout: -1 }, /commandTimeout must be a positive number of seconds, got -1/],
    [{ telemetryPath: 'metrics' }, /telemetryPath must be a path.*got "metrics"/],
    [
      { thresholds: { gnttabWarnRatio: 75 } },
      /thresholds.gnttabWarnRatio must be a ratio in \(0, 1\], got 75/,
    ],
    [{ thresholds: { gnttabWarn: 0.5 } }, /unknown threshold "gnttabWarn"/],
    [{ checks: { 'grant-table': {} } }, /unknown check "grant-table"/],
    [
      { checks: { 'grant-tables': { enabled: 'no' } } },
      /checks.grant-tables.enabled must be true or false, got "no"/,
    ],
    [{ intervall: 60 }, /unknown key "intervall"/],
    [{ strict: 'yes' }, /strict must be true or false, got "yes"/],
    [{ thresholds: { pausedWarnSeconds: 300 } }, /"pausedWarnSeconds" is gone/],
  ])('rejects %j naming the key and the value', (content, message) => {
    const file = configFile(content);
    expect(() => load(['--config', file])).toThrow(ConfigError);
    expect(() => load(['--config', file])).toThrow(message);
    expect(() => load(['--config', file])).toThrow(file);
  });

  it('reads strict from the file, and --strict wins over it', () => {
    expect(load([]).settings.strict).toBe(false);
    expect(load(['--config', configFile({ strict: true })]).settings.strict).toBe(true);
    expect(load(['--config', configFile({ strict: false }), '--strict']).settings.strict).toBe(true);
  });

  it('names the flag or variable a bad value came from', () => {
    expect(() => load(['--interval', '7'])).toThrow(/^--interval must be .*got "7"$/);
    expect(() => load([], { XENDOCTOR_LOG_LEVEL: 'chatty' })).toThrow(/^XENDOCTOR_LOG_LEVEL must be/);
    expect(() => load(['--disable-check', 'nope'])).toThrow(/--disable-check: unknown check "nope"/);
  });

  it('rejects a named file that is missing or not JSON', () => {
    expect(() => load(['--config', path.join(dir, 'absent.json')])).toThrow(/cannot read config file/);
    expect(() => load(['--config', configFile('{ interval: 60 ')])).toThrow(/is not valid JSON/);
    expect(() => load(['--config', configFile('[1]')])).toThrow(/must hold a JSON object/);
  });
});

describe('intervals and cron expressions', () => {
  it('maps intervals to cron expressions with a seconds field', () => {
    expect(cronFor(1)).toBe('*/1 * * * * *');
    expect(cronFor(15)).toBe('*/15 * * * * *');
    expect(cronFor(60)).toBe('0 */1 * * * *');
    expect(cronFor(300)).toBe('0 */5 * * * *');
    expect(cronFor(7200)).toBe('0 0 */2 * * *');
    expect(cronFor(45)).toBeUndefined();
    expect(cronFor(90)).toBeUndefined();
    expect(cronFor(5 * 3600)).toBeUndefined();
  });
  it('parses seconds, "s", "m" and "h"', () => {
    expect(parseInterval('x', 30)).toBe(30);
    expect(parseInterval('x', '30s')).toBe(30);
    expect(parseInterval('x', '2m')).toBe(120);
    expect(parseInterval('x', '1h')).toBe(3600);
    expect(() => parseInterval('x', '0')).toThrow(ConfigError);
    expect(() => parseInterval('x', 1.5)).toThrow(ConfigError);
  });
  it('parses listen addresses', () => {
    expect(parseListenAddress('x', ':19936')).toEqual({ host: undefined, port: 19936 });
    expect(parseListenAddress('x', '0.0.0.0:1')).toEqual({ host: '0.0.0.0', port: 1 });
    expect(() => parseListenAddress('x', '[::1]')).toThrow(ConfigError);
    expect(() => parseListenAddress('x', 42)).toThrow(/got 42/);
  });
});

describe('xendoctor serve with a bad configuration', () => {
  it('exits 78 before listening, naming the key and the value on stderr', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await serveCommand(['--config', configFile({ interval: 'often' })]);
      expect(code).toBe(EXIT_CONFIG);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/bad configuration: .*interval .*got "often"/);
    } finally {
      stderr.mockRestore();
    }
  });
});
