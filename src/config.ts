// The daemon's settings: defaults < config file (JSON, /etc/xendoctor/config.json) < environment < flags.
// Every bad value is a ConfigError naming where it came from (file key, variable or flag) and the value;
// `xendoctor serve` turns it into exit 78 (EX_CONFIG from sysexits.h) before anything starts.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { type FlagTable, type ParsedArgs, UsageError } from './args.js';
import { defaultSettings, type Settings } from './context.js';
import type { HostOptions } from './host/host.js';
import {
  hostOptionsFrom,
  MAX_COMMAND_TIMEOUT_SECONDS,
  MIN_COMMAND_TIMEOUT_SECONDS,
  rootProblem,
} from './host-flags.js';

export const EXIT_CONFIG = 78;
export const DEFAULT_CONFIG_FILE = '/etc/xendoctor/config.json';
/**
 * Outside 9100-9999: the Prometheus wiki's "Default port allocations" range is fully allocated, and the
 * writing-exporters guide recommends ports outside it for exporters without an entry; below Linux's
 * ephemeral range (32768-60999) so an outgoing connection can never hold it. 936 spells "xen" on a keypad.
 */
export const DEFAULT_PORT = 19936;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** As node_exporter's --log.format; JSON stays the default (pino's lines, which log shippers already parse). */
export const LOG_FORMATS = ['json', 'logfmt'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ListenAddress {
  /** undefined = every address (":19936"), as node_exporter's ":9100". */
  host: string | undefined;
  port: number;
}

export interface CheckConfig {
  enabled: boolean;
  /** Seconds between runs of this check; the global interval when undefined. */
  intervalSeconds?: number;
  /**
   * A cron expression instead of an interval ("0 0 3 * * *": daily at 03:00 local time); node-cron checks it
   * when the daemon starts (schedule.ts), so the report path never loads node-cron.
   */
  cron?: string;
}

export interface DaemonConfig {
  /** The file the settings were read from, undefined when none was (the default path may be absent). */
  file: string | undefined;
  listen: ListenAddress;
  telemetryPath: string;
  intervalSeconds: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  checks: Record<string, CheckConfig>;
  settings: Settings;
  host: HostOptions;
  /** The HTTP endpoint's security and limits (defaults when undefined). */
  web?: WebSettings;
}

/** Requests per second per client address (burst twice that); generous: Prometheus scrapes every 15 s. */
export const DEFAULT_RATE_LIMIT = 10;
export const DEFAULT_MAX_CONNECTIONS = 128;
/** Upper bounds: beyond them a value is a typo, and the token bucket / socket table would be meaningless. */
export const MAX_RATE_LIMIT = 100_000;
export const MAX_CONNECTIONS = 65_535;

export interface WebSettings {
  /** --web.config.file: TLS, basic auth and headers in the exporter-toolkit format (as node_exporter). */
  configFile: string | undefined;
  /** Requests per second per client address; 0 = no limit. */
  ratePerSecond: number;
  /** Open connections in all. */
  maxConnections: number;
}

/**
 * The flags every face (report, textfile, serve, fix) reads the shared settings from, so that a Nagios
 * check, the textfile cron job and the daemon never disagree about the same host.
 */
export const sharedConfigFlags = {
  config: {
    value: true,
    arg: 'FILE',
    env: 'XENDOCTOR_CONFIG',
    default: DEFAULT_CONFIG_FILE,
    complete: 'file',
    help: 'settings shared by report, serve and fix (read if present); see docs/configuration.md',
  },
  'disable-check': {
    value: true,
    repeat: true,
    arg: 'ID',
    complete: 'checks',
    help: 'do not run this check (config: checks.ID.enabled false)',
  },
  'enable-check': {
    value: true,
    repeat: true,
    arg: 'ID',
    complete: 'checks',
    help: 'run this check even if the config file disables it',
  },
  strict: { help: 'advice counts as warn (config key "strict")' },
} as const satisfies FlagTable;

/** The probes a config leaves on (checks.ID.enabled false or --disable-check ID turn one off). */
export function enabledProbes<T extends { id: string }>(
  probes: readonly T[],
  checks: Record<string, CheckConfig>,
): T[] {
  return probes.filter((probe) => checks[probe.id]?.enabled !== false);
}

/** Flags of `xendoctor serve` that carry settings (hostFlags come from host-flags.ts). */
export const configFlags = {
  config: sharedConfigFlags.config,
  'web.listen-address': {
    value: true,
    arg: 'ADDR',
    env: 'XENDOCTOR_LISTEN_ADDRESS',
    default: `:${DEFAULT_PORT}`,
    help: 'where to listen (config: listenAddress)',
  },
  'web.telemetry-path': {
    value: true,
    arg: 'PATH',
    env: 'XENDOCTOR_TELEMETRY_PATH',
    default: '/metrics',
    help: 'path of the metrics (config: telemetryPath)',
  },
  interval: {
    value: true,
    arg: 'SECONDS',
    env: 'XENDOCTOR_INTERVAL',
    default: '60',
    help: 'seconds between runs, or "30s", "5m", "1h" (config: interval)',
  },
  'log.level': {
    value: true,
    arg: 'LEVEL',
    env: 'XENDOCTOR_LOG_LEVEL',
    default: 'info',
    complete: LOG_LEVELS,
    help: 'log level: trace, debug, info, warn, error, fatal or silent (config: logLevel)',
  },
  'log.format': {
    value: true,
    arg: 'FORMAT',
    env: 'XENDOCTOR_LOG_FORMAT',
    default: 'json',
    complete: ['json', 'logfmt'],
    help: 'log line format: json or logfmt (config: logFormat)',
  },
  // The name before node_exporter's; kept as an alias.
  'log-level': {
    value: true,
    arg: 'LEVEL',
    complete: LOG_LEVELS,
    help: 'alias of --log.level',
  },
  'web.config.file': {
    value: true,
    arg: 'FILE',
    env: 'XENDOCTOR_WEB_CONFIG_FILE',
    complete: 'file',
    help: 'TLS, basic auth, headers: the exporter-toolkit YAML node_exporter takes; re-read on change and SIGHUP (config: webConfigFile)',
  },
  'web.rate-limit': {
    value: true,
    arg: 'N',
    env: 'XENDOCTOR_RATE_LIMIT',
    default: String(DEFAULT_RATE_LIMIT),
    help: 'requests/s per client address, burst 2N, 0 = off (config: rateLimit)',
  },
  'web.max-connections': {
    value: true,
    arg: 'N',
    env: 'XENDOCTOR_MAX_CONNECTIONS',
    default: String(DEFAULT_MAX_CONNECTIONS),
    help: 'open connections at most (config: maxConnections)',
  },
  'disable-check': sharedConfigFlags['disable-check'],
  'enable-check': sharedConfigFlags['enable-check'],
  strict: sharedConfigFlags.strict,
} as const satisfies FlagTable;

const FILE_KEYS = [
  'listenAddress',
  'telemetryPath',
  'interval',
  'logLevel',
  'logFormat',
  'root',
  'path',
  'commandTimeout',
  'thresholds',
  'checks',
  'webConfigFile',
  'rateLimit',
  'maxConnections',
  'strict',
] as const;

/** The numeric settings under `thresholds` in the config file. */
const THRESHOLDS = ['gnttabWarnRatio'] as const;

/**
 * loadConfig for a command's entry point: the host seam's flags and variables are checked first (a bad one
 * is a usage error, 64, as in every command); a bad configuration is said on stderr in the one shape every
 * face uses and comes back as undefined, for the caller to exit EXIT_CONFIG.
 */
export function loadConfigOrSay(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  knownChecks: readonly string[],
): DaemonConfig | undefined {
  hostOptionsFrom(args, env);
  try {
    return loadConfig(args, env, knownChecks);
  } catch (caught) {
    if (!(caught instanceof ConfigError)) throw caught;
    process.stderr.write(`xendoctor: bad configuration: ${caught.message}\n`);
    return undefined;
  }
}

/**
 * Resolves the daemon's settings. `knownChecks` are the probe ids (an unknown id in the file or a flag is an
 * error: a typo must not silently leave a check on).
 */
export function loadConfig(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  knownChecks: readonly string[],
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): DaemonConfig {
  const flag = (name: string) => args.flags.get(name)?.[0];
  const explicitFile = flag('config') ?? env.XENDOCTOR_CONFIG;
  const file = explicitFile ?? DEFAULT_CONFIG_FILE;
  let raw: Record<string, unknown> = {};
  let used: string | undefined;
  let text: string | undefined;
  try {
    text = readFile(file);
  } catch (caught) {
    const code = (caught as NodeJS.ErrnoException).code;
    // The default file is optional; a file someone named must exist.
    if (explicitFile !== undefined || code !== 'ENOENT') {
      throw new ConfigError(`cannot read config file ${file}: ${(caught as Error).message}`);
    }
  }
  if (text !== undefined) {
    used = file;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (caught) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(caught as Error).message}`);
    }
    if (!isObject(parsed)) throw new ConfigError(`config file ${file} must hold a JSON object`);
    raw = parsed;
    for (const key of Object.keys(raw)) {
      if (!(FILE_KEYS as readonly string[]).includes(key)) {
        throw new ConfigError(`${file}: unknown key "${key}" (known: ${FILE_KEYS.join(', ')})`);
      }
    }
  }
  const inFile = (key: string) => `${file}: ${key}`;

  // Each value: the flag, else the variable, else the file; `where` names the source in errors.
  const pick = (flagName: string, envName: string, fileKey: string) => {
    const fromFlag = flag(flagName);
    if (fromFlag !== undefined) return { value: fromFlag as unknown, where: `--${flagName}` };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv as unknown, where: envName };
    if (raw[fileKey] !== undefined) return { value: raw[fileKey], where: inFile(fileKey) };
    return undefined;
  };

  const listenPick = pick('web.listen-address', 'XENDOCTOR_LISTEN_ADDRESS', 'listenAddress');
  const listen = listenPick
    ? parseListenAddress(listenPick.where, listenPick.value)
    : { host: undefined, port: DEFAULT_PORT };

  const pathPick = pick('web.telemetry-path', 'XENDOCTOR_TELEMETRY_PATH', 'telemetryPath');
  const telemetryPath = pathPick ? parseTelemetryPath(pathPick.where, pathPick.value) : '/metrics';

  const intervalPick = pick('interval', 'XENDOCTOR_INTERVAL', 'interval');
  const intervalSeconds = intervalPick ? parseInterval(intervalPick.where, intervalPick.value) : 60;

  const levelFlag = flag('log.level') === undefined ? 'log-level' : 'log.level';
  const levelPick = pick(levelFlag, 'XENDOCTOR_LOG_LEVEL', 'logLevel');
  const logLevel = levelPick ? parseLogLevel(levelPick.where, levelPick.value) : 'info';
  const formatPick = pick('log.format', 'XENDOCTOR_LOG_FORMAT', 'logFormat');
  const logFormat = formatPick ? parseLogFormat(formatPick.where, formatPick.value) : 'json';

  const host: HostOptions = {};
  const replay = flag('replay');
  if (replay && (flag('root') || flag('path'))) {
    throw new ConfigError('flag --replay cannot be combined with --root or --path');
  }
  const rootPick = replay
    ? { value: replay as unknown, where: '--replay' }
    : pick('root', 'XENDOCTOR_ROOT', 'root');
  if (rootPick) {
    host.root = path.resolve(parseString(rootPick.where, rootPick.value));
    // The report refuses a missing root (exit 64); the daemon must not start on one either (it would serve
    // a host made of nothing but errors).
    const problem = rootProblem(rootPick.where, host.root);
    if (problem) throw new ConfigError(problem);
  }
  // A capture's commands are answered by the agent's own replayer (src/host/replay.ts): nothing in it runs,
  // and a copied capture whose commands/ links no longer resolve replays the same.
  if (replay) host.replay = host.root;
  const searchPick = replay ? undefined : pick('path', 'XENDOCTOR_PATH', 'path');
  if (searchPick) {
    host.path = parseString(searchPick.where, searchPick.value)
      .split(':')
      .map((dir) => path.resolve(dir));
  }
  const timeoutPick = pick('timeout', 'XENDOCTOR_TIMEOUT', 'commandTimeout');
  if (timeoutPick) {
    const seconds = parseSeconds(timeoutPick.where, timeoutPick.value);
    if (seconds < MIN_COMMAND_TIMEOUT_SECONDS || seconds > MAX_COMMAND_TIMEOUT_SECONDS) {
      throw new ConfigError(
        `${timeoutPick.where} must be a number of seconds from ${MIN_COMMAND_TIMEOUT_SECONDS} to ${MAX_COMMAND_TIMEOUT_SECONDS}, got ${JSON.stringify(timeoutPick.value)}`,
      );
    }
    host.timeoutMs = Math.round(seconds * 1000);
  }

  const settings = parseThresholds(inFile('thresholds'), raw.thresholds);
  if (flag('strict') !== undefined) settings.strict = true;
  else if (raw.strict !== undefined) {
    if (typeof raw.strict !== 'boolean') {
      throw new ConfigError(`${inFile('strict')} must be true or false, got ${JSON.stringify(raw.strict)}`);
    }
    settings.strict = raw.strict;
  }
  const checks = parseChecks(inFile('checks'), raw.checks, knownChecks);
  for (const [flagName, enabled] of [
    ['disable-check', false],
    ['enable-check', true],
  ] as const) {
    for (const id of args.flags.get(flagName) ?? []) {
      if (!knownChecks.includes(id)) {
        // A typo on the command line is a usage error (64) on every face, as `--check nope` is.
        throw new UsageError(`flag --${flagName}: unknown check ${JSON.stringify(id)} (see --list-checks)`);
      }
      checks[id] = { ...(checks[id] ?? { enabled }), enabled };
    }
  }
  const webFilePick = pick('web.config.file', 'XENDOCTOR_WEB_CONFIG_FILE', 'webConfigFile');
  const ratePick = pick('web.rate-limit', 'XENDOCTOR_RATE_LIMIT', 'rateLimit');
  const connectionsPick = pick('web.max-connections', 'XENDOCTOR_MAX_CONNECTIONS', 'maxConnections');
  const web: WebSettings = {
    configFile: webFilePick ? path.resolve(parseString(webFilePick.where, webFilePick.value)) : undefined,
    ratePerSecond: ratePick
      ? parseCount(ratePick.where, ratePick.value, 0, MAX_RATE_LIMIT)
      : DEFAULT_RATE_LIMIT,
    maxConnections: connectionsPick
      ? parseCount(connectionsPick.where, connectionsPick.value, 1, MAX_CONNECTIONS)
      : DEFAULT_MAX_CONNECTIONS,
  };
  return {
    file: used,
    listen,
    telemetryPath,
    intervalSeconds,
    logLevel,
    logFormat,
    checks,
    settings,
    host,
    web,
  };
}

/** "[host]:port", ":port" or "host:port"; an IPv6 host goes in brackets; port 0 picks a free port. */
export function parseListenAddress(where: string, value: unknown): ListenAddress {
  const text = parseString(where, value);
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65535) {
    throw new ConfigError(
      `${where} must be host:port or :port (e.g. ":${DEFAULT_PORT}", "127.0.0.1:${DEFAULT_PORT}"), got ${JSON.stringify(value)}`,
    );
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

function parseTelemetryPath(where: string, value: unknown): string {
  const text = parseString(where, value);
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(text) || ['/', '/healthz', '/report.json'].includes(text)) {
    throw new ConfigError(
      `${where} must be a path such as "/metrics" (not /, /healthz or /report.json), got ${JSON.stringify(value)}`,
    );
  }
  return text;
}

/**
 * An interval a clock can keep without drift, as a cron "every N" field would: seconds that divide a minute, minutes that divide an
 * hour, or hours that divide a day. "30", 30, "30s", "5m", "1h".
 */
export function parseInterval(where: string, value: unknown): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+)([smh]?)$/.exec(text);
  const unit = match?.[2] === 'h' ? 3600 : match?.[2] === 'm' ? 60 : 1;
  const seconds = match ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isInteger(seconds) || seconds <= 0 || cronFor(seconds) === undefined) {
    throw new ConfigError(
      `${where} must be seconds that divide a minute, minutes that divide an hour or hours that divide a day (e.g. 15, 30, 60, "5m", "1h"), got ${JSON.stringify(value)}`,
    );
  }
  return seconds;
}

/** The cron expression (with a seconds field) that fires every `seconds`, or undefined (it documents the schedule and validates intervals). */
export function cronFor(seconds: number): string | undefined {
  if (seconds < 60) return 60 % seconds === 0 ? `*/${seconds} * * * * *` : undefined;
  if (seconds < 3600) {
    const minutes = seconds / 60;
    return Number.isInteger(minutes) && 60 % minutes === 0 ? `0 */${minutes} * * * *` : undefined;
  }
  const hours = seconds / 3600;
  return Number.isInteger(hours) && 24 % hours === 0 ? `0 0 */${hours} * * *` : undefined;
}

function parseLogLevel(where: string, value: unknown): LogLevel {
  if (typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value)) {
    return value as LogLevel;
  }
  throw new ConfigError(`${where} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
}

function parseLogFormat(where: string, value: unknown): LogFormat {
  if (typeof value === 'string' && (LOG_FORMATS as readonly string[]).includes(value)) {
    return value as LogFormat;
  }
  throw new ConfigError(`${where} must be one of ${LOG_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
}

function parseSeconds(where: string, value: unknown): number {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(`${where} must be a positive number of seconds, got ${JSON.stringify(value)}`);
  }
  return seconds;
}

/** A whole number in [min, max] (flags and variables give text, the file a number). */
function parseCount(where: string, value: unknown, min: number, max: number): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new ConfigError(
      `${where} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}

function parseString(where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`${where} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseThresholds(where: string, value: unknown): Settings {
  if (value === undefined) return { ...defaultSettings };
  if (!isObject(value)) throw new ConfigError(`${where} must be an object, got ${JSON.stringify(value)}`);
  const settings: Settings = { ...defaultSettings };
  for (const [key, given] of Object.entries(value)) {
    if (key === 'pausedWarnSeconds') {
      // Removed: one `xl list` cannot tell since when a domain is paused (see the domains check).
      throw new ConfigError(
        `${where}: "pausedWarnSeconds" is gone: alert on xendoctor_domains{state="paused"} > 0 with a \`for:\` of that length instead`,
      );
    }
    if (!(THRESHOLDS as readonly string[]).includes(key)) {
      throw new ConfigError(`${where}: unknown threshold "${key}" (known: ${THRESHOLDS.join(', ')})`);
    }
    const number = given as number;
    const bad =
      typeof given !== 'number' ||
      !Number.isFinite(number) ||
      number <= 0 ||
      (key.endsWith('Ratio') && number > 1);
    if (bad) {
      const expected = key.endsWith('Ratio') ? 'a ratio in (0, 1]' : 'a positive number';
      throw new ConfigError(`${where}.${key} must be ${expected}, got ${JSON.stringify(given)}`);
    }
    (settings as unknown as Record<string, number>)[key] = number;
  }
  return settings;
}

function parseChecks(
  where: string,
  value: unknown,
  knownChecks: readonly string[],
): Record<string, CheckConfig> {
  const checks: Record<string, CheckConfig> = {};
  if (value === undefined) return checks;
  if (!isObject(value)) throw new ConfigError(`${where} must be an object, got ${JSON.stringify(value)}`);
  for (const [id, entry] of Object.entries(value)) {
    if (!knownChecks.includes(id)) {
      throw new ConfigError(`${where}: unknown check "${id}" (see xendoctor --list-checks)`);
    }
    if (!isObject(entry)) {
      throw new ConfigError(`${where}.${id} must be an object, got ${JSON.stringify(entry)}`);
    }
    const check: CheckConfig = { enabled: true };
    for (const [key, given] of Object.entries(entry)) {
      if (key === 'enabled') {
        if (typeof given !== 'boolean') {
          throw new ConfigError(`${where}.${id}.enabled must be true or false, got ${JSON.stringify(given)}`);
        }
        check.enabled = given;
      } else if (key === 'interval') {
        check.intervalSeconds = parseInterval(`${where}.${id}.interval`, given);
      } else if (key === 'schedule') {
        check.cron = parseString(`${where}.${id}.schedule`, given).trim();
      } else {
        throw new ConfigError(`${where}.${id}: unknown key "${key}" (known: enabled, interval, schedule)`);
      }
    }
    if (check.cron !== undefined && check.intervalSeconds !== undefined) {
      throw new ConfigError(`${where}.${id}: give either interval or schedule, not both`);
    }
    checks[id] = check;
  }
  return checks;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
