import { lines, ParseError } from './parse-error.js';

/** Option name without the CONFIG_ prefix ("XEN_DOM0") -> value ("y", "m", "n", "\"string\"", "64"). */
export type KernelConfig = ReadonlyMap<string, string>;

const SET = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;

/**
 * Parses a kernel .config (`/boot/config-$(uname -r)`, or `/proc/config.gz` gunzipped): "CONFIG_XEN_DOM0=y",
 * "# CONFIG_IKCONFIG is not set" (stored as "n"), other "#" comments and blank lines.
 */
export function parseKernelConfig(text: string): KernelConfig {
  const config = new Map<string, string>();
  for (const raw of lines(text)) {
    const line = raw.trim();
    if (line === '') continue;
    const unset = NOT_SET.exec(line);
    if (unset?.[1]) {
      config.set(unset[1], 'n');
      continue;
    }
    if (line.startsWith('#')) continue;
    const set = SET.exec(line);
    if (!set?.[1]) throw ParseError.of('kernel config', 'a "CONFIG_NAME=value" line', line);
    config.set(set[1], set[2] ?? '');
  }
  if (config.size === 0) throw ParseError.of('kernel config', 'at least one CONFIG_ line', text);
  return config;
}

/** Whether an option is built in (y) or a module (m); both count as enabled. */
export function isEnabled(config: KernelConfig, name: string): boolean {
  const value = config.get(name);
  return value === 'y' || value === 'm';
}
