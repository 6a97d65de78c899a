// The daemon's logger is pino: its JSON lines as they are (level numbers, epoch ms, pid, hostname), `err`
// with its stack, every level from trace to fatal, child bindings, and the logfmt format node_exporter
// users know (--log.format=logfmt). Lines go to a file through the same synchronous destination as stdout.
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLog, isJournalStream, toLogfmt, withSyslogPriority } from '../src/exporter/log.js';

const dir = mkdtempSync(path.join(tmpdir(), 'xd-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const file = () => path.join(dir, `log-${n++}.log`);
const lines = (name: string) => readFileSync(name, 'utf8').split('\n').filter(Boolean);

function boom(): Error {
  return new Error('xl "hung"\nthen died');
}

describe('daemon log (pino)', () => {
  it('writes JSON lines with level numbers, epoch time, pid and hostname, synchronously', () => {
    const out = file();
    const log = createLog('info', 'json', out);
    log.info({ address: '127.0.0.1:19936' }, 'xendoctor serve started');
    // Synchronous: on disk before the call returns, nothing to flush.
    const [line] = lines(out).map((l) => JSON.parse(l));
    expect(line).toMatchObject({
      level: 30,
      pid: process.pid,
      hostname: hostname(),
      address: '127.0.0.1:19936',
      msg: 'xendoctor serve started',
    });
    expect(typeof line.time).toBe('number');
  });

  it('has every level from trace to fatal and filters below the threshold', () => {
    for (const [threshold, expected] of [
      ['trace', [10, 20, 30, 40, 50, 60]],
      ['warn', [40, 50, 60]],
      ['fatal', [60]],
      ['silent', []],
    ] as const) {
      const out = file();
      const log = createLog(threshold, 'json', out);
      logAtEveryLevel(log);
      const written = threshold === 'silent' ? [] : lines(out).map((l) => JSON.parse(l).level);
      expect(written).toEqual(expected);
    }
  });

  it('serializes err with its type, message and stack, and binds child fields', () => {
    const out = file();
    createLog('info', 'json', out).child({ probe: 'grant-tables' }).error({ err: boom() }, 'probe failed');
    const [line] = lines(out).map((l) => JSON.parse(l));
    expect(line.probe).toBe('grant-tables');
    expect(line.err).toMatchObject({ type: 'Error', message: 'xl "hung"\nthen died' });
    expect(line.err.stack).toMatch(/^Error: xl "hung"\nthen died\n\s+at boom /);
  });

  it('writes logfmt: time, level and msg first, fields after, quoted only when needed', () => {
    const out = file();
    const log = createLog('debug', 'logfmt', out).child({ probe: 'grant-tables' });
    log.warn({ status: 'error', error: 'xl hung', evidence: ['a b'], ms: 12.5, ok: true }, 'probe error');
    log.error({ err: boom() }, 'cycle failed');
    const [first, second] = lines(out);
    expect(first).toMatch(
      /^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=warn msg="probe error" probe=grant-tables status=error error="xl hung" evidence="\[\\"a b\\"\]" ms=12\.5 ok=true$/,
    );
    expect(first).not.toMatch(/pid=|hostname=/);
    // The stack stays on one line, escaped, so a log reader can still split by line.
    expect(second).toMatch(
      /level=error msg="cycle failed" probe=grant-tables err\.type=Error err\.message="xl \\"hung\\"\\nthen died" err\.stack="Error: xl \\"hung\\"\\nthen died\\n\s+at boom /,
    );
  });

  it('formats any pino line as logfmt without losing a field', () => {
    expect(
      toLogfmt('{"level":30,"time":0,"msg":"","a":"","b":"x=y","c":null,"d":{"e":{"f":1}},"g h":2}'),
    ).toBe('time=1970-01-01T00:00:00.000Z level=info msg="" a="" b="x=y" c=null d.e.f=1 g_h=2\n');
  });

  it("gives journald each line's syslog priority as a <N> prefix, in both formats", () => {
    for (const format of ['json', 'logfmt'] as const) {
      const out = file();
      const log = createLog('trace', format, out, true).child({ probe: 'xen-daemons' });
      logAtEveryLevel(log);
      const written = lines(out);
      expect(written.map((l) => l.slice(0, 3))).toEqual(['<7>', '<7>', '<6>', '<4>', '<3>', '<2>']);
      // After the prefix, the line is what it is without one (journald strips the prefix).
      const rest = written[3]?.slice(3) ?? '';
      if (format === 'json')
        expect(JSON.parse(rest)).toMatchObject({ level: 40, msg: 'w', probe: 'xen-daemons' });
      else expect(rest).toMatch(/^time=\S+ level=warn msg=w probe=xen-daemons$/);
    }
    expect(withSyslogPriority('{"level":99}', 'x')).toBe('<6>x');
  });

  it('prefixes only when the descriptor is the journal stream systemd named in JOURNAL_STREAM', () => {
    const out = file();
    const fd = openSync(out, 'a');
    try {
      const { dev, ino } = fstatSync(fd);
      expect(isJournalStream(fd, { JOURNAL_STREAM: `${dev}:${ino}` })).toBe(true);
      // Redirected to a file under systemd, or a variable inherited by a child: not the journal.
      expect(isJournalStream(fd, { JOURNAL_STREAM: `${dev}:${ino + 1}` })).toBe(false);
      expect(isJournalStream(fd, {})).toBe(false);
      expect(isJournalStream(fd, { JOURNAL_STREAM: 'garbage' })).toBe(false);
      // Without a journal, a line has no prefix.
      createLog('info', 'json', out).info('plain');
      expect(lines(out)[0]?.startsWith('{')).toBe(true);
    } finally {
      closeSync(fd);
    }
    expect(isJournalStream(fd, { JOURNAL_STREAM: '1:2' })).toBe(false); // closed
  });

  it('appends to an existing file', () => {
    const out = file();
    createLog('info', 'json', out).info('one');
    createLog('info', 'json', out).info('two');
    expect(lines(out).map((l) => JSON.parse(l).msg)).toEqual(['one', 'two']);
  });
});

/** One line at each of pino's six levels, lowest first. */
function logAtEveryLevel(log: ReturnType<typeof createLog>): void {
  log.trace('t');
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  log.fatal('f');
}
