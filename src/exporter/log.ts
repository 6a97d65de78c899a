// The daemon's logger: pino, written synchronously (pino.destination({ sync: true })) so the last lines
// before a crash are not lost; a daemon logs a few lines a minute, a lost line costs more than a sync write.
// Two formats, as node_exporter's --log.format: pino's JSON lines, or logfmt (formatted here from pino's
// line, without a transport or worker thread).
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogFormat, LogLevel } from '../config.js';

/** A logger writing to a file descriptor (default stdout) or appending to a file. */
export function createLog(
  level: LogLevel,
  format: LogFormat = 'json',
  destination: number | string = 1,
): Logger {
  const sink = pino.destination({ dest: destination, sync: true, append: true, mkdir: false });
  const stream: DestinationStream =
    format === 'logfmt' ? { write: (line: string) => sink.write(toLogfmt(line)) } : sink;
  return pino({ level }, stream);
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
