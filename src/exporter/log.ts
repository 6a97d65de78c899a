// The daemon's logger: pino, written synchronously (pino.destination({ sync: true })) so the last lines
// before a crash are not lost; a daemon logs a few lines a minute, a lost line costs more than a sync write.
// Two formats, as node_exporter's --log.format: pino's JSON lines, or logfmt (formatted here from pino's
// line, without a transport or worker thread).
import { fstatSync } from 'node:fs';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config.js';

/**
 * A logger writing to a file descriptor (default stdout) or appending to a file. `journal`: each line starts
 * with its syslog priority (`<4>` for warn), which journald reads off a service's stdout (its default
 * SyslogLevelPrefix=yes), so `journalctl -p warning` finds warnings; default: when stdout is the journal.
 */
export function createLog(
  level: LogLevel,
  format: LogFormat = 'json',
  destination: number | string = 1,
  journal: boolean = typeof destination === 'number' && isJournalStream(destination),
): Logger {
  const sink = pino.destination({ dest: destination, sync: true, append: true, mkdir: false });
  const formatted = format === 'logfmt' ? toLogfmt : (line: string) => line;
  const stream: DestinationStream =
    format === 'json' && !journal
      ? sink
      : {
          write: (line: string) =>
            sink.write(journal ? withSyslogPriority(line, formatted(line)) : formatted(line)),
        };
  return pino({ level }, stream);
}

/**
 * Whether file descriptor `fd` is the journal's stream: systemd sets JOURNAL_STREAM="<device>:<inode>" of
 * the socket it gives a service as stdout/stderr (systemd.exec(5)). Compared with the descriptor itself, so
 * `xendoctor serve > file` under systemd, or a child that inherited the variable, gets no prefixes.
 */
export function isJournalStream(
  fd: number,
  env: NodeJS.ProcessEnv = process.env,
  stat: (fd: number) => { dev: number; ino: number } = fstatSync,
): boolean {
  const match = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (match === null) return false;
  try {
    const { dev, ino } = stat(fd);
    return String(dev) === match[1] && String(ino) === match[2];
  } catch {
    return false; // a closed descriptor is not the journal
  }
}

// pino's levels as syslog priorities (RFC 5424): trace and debug 7, info 6, warn 4, error 3, fatal 2.
const PRIORITY: Record<number, number> = { 10: 7, 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 };

/** `text` (the line as written) prefixed with the syslog priority of the pino JSON line `json`. */
export function withSyslogPriority(json: string, text: string): string {
  const level = (JSON.parse(json) as { level?: unknown }).level;
  return `<${(typeof level === 'number' ? PRIORITY[level] : undefined) ?? 6}>${text}`;
}

const LABELS: Record<number, string> = pino.levels.labels;
// Fields every logfmt line starts with; pid and hostname are left out (the journal and syslog add them).
const LEADING = new Set(['time', 'level', 'msg', 'pid', 'hostname']);

/**
 * One pino JSON line as a logfmt line: `time=... level=warn msg="probe error" probe=grant-tables ...`.
 * Nested objects become dotted keys (`err.message=... err.stack="..."`), arrays JSON.
 */
export function toLogfmt(line: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  const pairs: string[] = [];
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : record.time;
  if (time !== undefined) pairs.push(`time=${value(time)}`);
  const level = typeof record.level === 'number' ? (LABELS[record.level] ?? record.level) : record.level;
  pairs.push(`level=${value(level)}`);
  if (record.msg !== undefined) pairs.push(`msg=${value(record.msg)}`);
  const add = (prefix: string, fields: Record<string, unknown>) => {
    for (const [name, field] of Object.entries(fields)) {
      if (prefix === '' && LEADING.has(name)) continue;
      const key = `${prefix}${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
      if (field !== null && typeof field === 'object' && !Array.isArray(field)) {
        add(`${key}.`, field as Record<string, unknown>);
      } else pairs.push(`${key}=${value(field)}`);
    }
  };
  add('', record);
  return `${pairs.join(' ')}\n`;
}

// Bare when it can be (no space, quote, equals sign or control character), else quoted with escapes.
function value(field: unknown): string {
  const text = typeof field === 'string' ? field : (JSON.stringify(field) ?? 'null');
  if (text !== '' && /^[^\s"=\\\p{Cc}]+$/u.test(text)) return text;
  return JSON.stringify(text);
}
