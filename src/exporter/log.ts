// JSON lines on stdout in pino's format ({"level":30,"time":"...","pid":1,...,"msg":"..."}), written
// synchronously so the last lines before a crash are not lost (a daemon logs a few lines a minute: the cost
// of sync writes does not matter, a lost line does). Written here rather than with pino: the daemon needs
// none of its transports or serializers, and loading pino costs ~7 MB of RSS (npm run bench:memory).
import { openSync, writeSync } from 'node:fs';
import type { LogLevel } from '../config.js';
import type { Log } from './state.js';

/** pino's level numbers, which log shippers already know. */
export const LEVELS: Record<Exclude<LogLevel, 'silent'>, number> = {
  fatal: 60,
  error: 50,
  warn: 40,
  info: 30,
  debug: 20,
  trace: 10,
};

/** A logger writing to a file descriptor (default stdout) or appending to a file. */
export function createLog(level: LogLevel, destination: number | string = 1): Log {
  const fd = typeof destination === 'number' ? destination : openSync(destination, 'a');
  const threshold = level === 'silent' ? Infinity : LEVELS[level];
  const make = (bindings: string): Log => {
    const at = (value: number) =>
      value < threshold
        ? () => {}
        : (obj: object, msg: string) => {
            const fields = JSON.stringify(obj);
            const extra = fields.length > 2 ? `,${fields.slice(1, -1)}` : '';
            const time = new Date().toISOString();
            writeAll(
              fd,
              `{"level":${value},"time":"${time}"${bindings}${extra},"msg":${JSON.stringify(msg)}}\n`,
            );
          };
    return {
      info: at(LEVELS.info),
      warn: at(LEVELS.warn),
      error: at(LEVELS.error),
      debug: at(LEVELS.debug),
      child(more) {
        const fields = JSON.stringify(more);
        return make(fields.length > 2 ? `${bindings},${fields.slice(1, -1)}` : bindings);
      },
    };
  };
  return make(`,"pid":${process.pid}`);
}

// A pipe whose reader is slow can be non-blocking and answer EAGAIN: wait a little and go on, as pino's
// sonic-boom does, rather than drop the line (giving up after about a second).
function writeAll(fd: number, line: string): void {
  let buffer = Buffer.from(line);
  for (let tries = 0; buffer.length > 0 && tries < 100;) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (caught) {
      // EPIPE, EBADF...: a line that cannot be written must not end the daemon.
      if ((caught as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      tries++;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}
