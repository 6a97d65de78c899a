// The value types of the web config's YAML, checked strictly with the key path in every message, and the
// YAML parser itself (loaded lazily: a daemon without --web.config.file never loads it).
import { ConfigError } from '../config.js';

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

export function object(where: string, value: unknown, known?: readonly string[]): Record<string, unknown> {
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

export function string(where: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new ConfigError(`${where} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

export function stringList(where: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new ConfigError(`${where} must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

export function bool(where: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new ConfigError(`${where} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function integer(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${where} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

export type YamlModule = typeof import('yaml');
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
