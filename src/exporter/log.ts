// pino JSON lines on stdout, written synchronously so the last lines before a crash are not lost (a
// daemon logs a few lines a minute: the cost of sync writes does not matter, a lost line does).
import pino from 'pino';
import type { LogLevel } from '../config.js';
import type { Log } from './state.js';

export function createLog(level: LogLevel, destination: number | string = 1): Log {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: destination, sync: true }),
  );
}
