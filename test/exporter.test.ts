import { pbkdf2Sync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CheckResult, Probe } from '../src/check.js';
import { ok, skip } from '../src/check.js';
import { defaultSettings } from '../src/context.js';
import { Exposition, negotiate, negotiateEncoding } from '../src/exporter/exposition.js';
import { buildRegistry, commandLabel, countTimeouts, type Rejected } from '../src/exporter/metrics.js';
import { type Cycle, groupProbes, Schedule } from '../src/exporter/schedule.js';
import { DaemonState, type Log } from '../src/exporter/state.js';
import type { CommandResult } from '../src/host/host.js';
import { probes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { fixtureHost } from './helpers.js';

function result(id: string, fields: Partial<CheckResult> = {}): CheckResult {
  return { id, title: id, ...ok('fine'), durationMs: 12.3, ...fields };
}

function command(text: string, timedOut: boolean): CommandResult {
  return {
    command: text,
    exitCode: timedOut ? null : 0,
    signal: timedOut ? 'SIGTERM' : null,
    stdout: '',
    stderr: '',
    failed: timedOut,
    timedOut,
    notFound: false,
    stuck: false,
    durationMs: 1,
  };
}

/** A pino-shaped recorder: every line with its level and bindings. */
function recorder() {
  const lines: Array<{ level: string; msg: string } & Record<string, unknown>> = [];
  const make = (bindings: object): Log => {
    const at = (level: string) => (obj: object, msg: string) =>
      lines.push({ level, msg, ...bindings, ...obj });
    return {
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      debug: at('debug'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return { log: make({}), lines };
}

describe('metrics from a real fixture host (dom0-domu-credit2, replayed)', () => {
  it('publishes status, success, timing and the probes own samples with the xendoctor_ prefix', async () => {
    const { results } = await runReport(fixtureHost('dom0-domu-credit2'), probes, defaultSettings);
    const text = await buildRegistry(
      { runs: results.map((r) => ({ result: r, finishedAt: 1_700_000_000_500 })) },
      'prometheus',
    ).metrics();
    expect(text).toContain('xendoctor_build_info{version="0.1.0"} 1');
    expect(text).toContain('xendoctor_check_status{check="xen-hypervisor"} 0');
    expect(text).toContain('xendoctor_probe_success{probe="xen-hypervisor"} 1');
    expect(text).toContain('xendoctor_probe_last_run_timestamp_seconds{probe="xen-hypervisor"} 1700000001');
    expect(text).toMatch(/^xendoctor_probe_duration_seconds\{probe="xen-hypervisor"\} 0\.\d+$/m);
    for (const r of results) {
      for (const f of r.findings)
        expect(text).toContain(
          `xendoctor_finding{check="${r.id}",code="${f.code}",severity="${f.severity}"}`,
        );
    }
    // Every sample line belongs to a documented family and carries no host label.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^xendoctor_[a-z0-9_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
      expect(line).not.toMatch(/\b(host|instance|hostname)="/);
    }
    expect(text).toContain('# HELP xendoctor_check_status ');
    expect(text).toMatch(/# HELP xendoctor_check_status .*a scrape runs no command\./);
  });

  it('encodes each status as documented (0 ok, 1 warn, 2 fail, 3 error, -1 skip) and error as success 0', async () => {
    const runs = (['ok', 'warn', 'fail', 'error', 'skip'] as const).map((status) => ({
      result: result(`c-${status}`, { status }),
      finishedAt: 0,
    }));
    const text = await buildRegistry({ runs }, 'prometheus').metrics();
    expect(text).toContain('xendoctor_check_status{check="c-ok"} 0');
    expect(text).toContain('xendoctor_check_status{check="c-warn"} 1');
    expect(text).toContain('xendoctor_check_status{check="c-fail"} 2');
    expect(text).toContain('xendoctor_check_status{check="c-error"} 3');
    expect(text).toContain('xendoctor_check_status{check="c-skip"} -1');
    expect(text).toContain('xendoctor_probe_success{probe="c-error"} 0');
    expect(text).toContain('xendoctor_probe_success{probe="c-skip"} 1');
  });

  it('counts findings per code, widens label sets, and leaves out samples that would break the exposition', async () => {
    const finding = { code: 'offload-on', severity: 'warn' as const, message: 'm' };
    const metric = (name: string, labels: Record<string, string>, value = 1) => ({
      name,
      help: 'h',
      labels,
      value,
    });
    const rejected: Rejected[] = [];
    const text = await buildRegistry(
      {
        runs: [
          {
            finishedAt: 0,
            result: result('a', {
              status: 'warn',
              findings: [finding, finding],
              metrics: [
                metric('thing', { x: '1' }, 5),
                metric('thing', { y: '2' }, 6),
                metric('bad name', {}),
                metric('check_status', {}),
                metric('ok_total', {}),
                metric('lbl', { 'bad-label': 'v' }),
              ],
            }),
          },
        ],
      },
      'prometheus',
      rejected,
    ).metrics();
    expect(text).toContain('xendoctor_finding{check="a",code="offload-on",severity="warn"} 2');
    expect(text).toContain('xendoctor_thing{x="1",y=""} 5');
    expect(text).toContain('xendoctor_thing{x="",y="2"} 6');
    expect(rejected.map((r) => r.sample.name)).toEqual(['bad name', 'check_status', 'ok_total', 'lbl']);
    expect(text).not.toContain('bad name');
  });

  it('labels timeouts by program and subcommand, never by argument', () => {
    expect(commandLabel('xl info')).toBe('xl info');
    expect(commandLabel('xl list -l')).toBe('xl list');
    expect(commandLabel('xen-diag gnttab_query_size 7')).toBe('xen-diag gnttab_query_size');
    expect(commandLabel('ethtool -k vif7.0')).toBe('ethtool');
    expect(commandLabel('dmesg')).toBe('dmesg');
    const counts = new Map<string, number>();
    countTimeouts(counts, [
      command('xl info', true),
      command('xl list', false),
      command('xen-diag gnttab_query_size 1', true),
    ]);
    countTimeouts(counts, [command('xl info', true)]);
    expect([...counts]).toEqual([
      ['xl info', 2],
      ['xen-diag gnttab_query_size', 1],
    ]);
  });
});

describe('exposition', () => {
  it('chooses the format by the Accept header, honouring q-values', () => {
    // Prometheus 3's own header: OpenMetrics at q=0.5 beats the text format at q=0.3.
    const prometheus =
      'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
    expect(negotiate(prometheus)).toBe('openmetrics');
    // A scraper configured for the text format (scrape_protocols: [PrometheusText0.0.4, ...]).
    expect(negotiate('text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4')).toBe(
      'prometheus',
    );
    // q=0 means "not this", even though the name is there.
    expect(negotiate('application/openmetrics-text;q=0')).toBe('prometheus');
    expect(negotiate('application/openmetrics-text;q=0,*/*')).toBe('prometheus');
    expect(negotiate('application/openmetrics-text')).toBe('openmetrics');
    // Another OpenMetrics version than prom-client writes: the text format.
    expect(negotiate('application/openmetrics-text;version=2.0.0')).toBe('prometheus');
    // No header, anything, or nothing we write: the text format.
    expect(negotiate(undefined)).toBe('prometheus');
    expect(negotiate('*/*')).toBe('prometheus');
    expect(negotiate('application/json')).toBe('prometheus');
    expect(negotiate('text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).toBe('prometheus');
  });

  it('answers the same header twice in a row the same, whatever came between', () => {
    const prometheus = 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3';
    const text = 'text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4';
    // More distinct headers than are remembered, so the memory is emptied on the way.
    for (let i = 0; i < 100; i++) {
      expect(negotiate(i % 2 ? prometheus : text)).toBe(i % 2 ? 'openmetrics' : 'prometheus');
      expect(negotiate(`application/openmetrics-text;q=0.${i % 10},text/plain;q=0.05`)).toBe(
        i % 10 === 0 ? 'prometheus' : 'openmetrics',
      );
      expect(negotiateEncoding(`gzip;q=${i % 2}`)).toBe(i % 2 ? 'gzip' : 'identity');
    }
  });

  it('renders a snapshot once and reuses the text until the next update', async () => {
    const exposition = new Exposition(false);
    exposition.update({
      runs: [{ result: result('a'), finishedAt: 0 }],
      commandTimeouts: new Map([['xl info', 3]]),
    });
    const first = await exposition.render('prometheus');
    expect(await exposition.render('prometheus')).toBe(first);
    expect(first).toContain('xendoctor_command_timeouts_total{command="xl info"} 3');
    const open = await exposition.render('openmetrics');
    expect(open).toContain('# TYPE xendoctor_command_timeouts counter');
    expect(open).toContain('xendoctor_command_timeouts_total{command="xl info"} 3');
    expect(open.endsWith('# EOF\n')).toBe(true);
    exposition.update({ runs: [{ result: result('a', { status: 'fail' }), finishedAt: 0 }] });
    expect(await exposition.render('prometheus')).toContain('xendoctor_check_status{check="a"} 2');
  });

  it("appends prom-client's default process metrics, live, in both formats", async () => {
    const exposition = new Exposition(true);
    const text = await exposition.render('prometheus');
    expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^# TYPE process_cpu_seconds_total counter$/m);
    expect(text).toMatch(/^process_open_fds [1-9]\d*$/m);
    // Only the process_* families: no nodejs_* ones, the event-loop lag among them (decisions 0007, 0009).
    expect(text).not.toMatch(/^(# (HELP|TYPE) )?nodejs_/m);
    // No gauge named like a counter (promtool check metrics refuses those).
    expect(text).not.toMatch(/^# TYPE \S+_total gauge$/m);
    const open = await exposition.render('openmetrics');
    expect(open).toMatch(/^# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total /m);
    expect(open.match(/# EOF/g)).toHaveLength(1);
    expect(open.endsWith('\n# EOF\n')).toBe(true);
    expect(open).not.toMatch(/\n\n/);
    // Read at each scrape, not cached with the snapshot.
    const cpu = (t: string) => Number(/^process_cpu_seconds_total (\S+)$/m.exec(t)?.[1]);
    const before = cpu(await exposition.render('prometheus'));
    pbkdf2Sync('burn', 'some cpu', 20_000, 32, 'sha256'); // CPU time, not wall-clock time
    expect(cpu(await exposition.render('prometheus'))).toBeGreaterThan(before);
  });
});

describe('gzip exposition', () => {
  const snapshot = () => ({
    runs: [{ result: result('a'), finishedAt: 0 }],
    commandTimeouts: new Map([['xl info', 3]]),
  });

  it('negotiates gzip by q-value, identity without a header or when gzip is refused', () => {
    expect(negotiateEncoding(undefined)).toBe('identity');
    expect(negotiateEncoding('')).toBe('identity');
    expect(negotiateEncoding('gzip')).toBe('gzip');
    expect(negotiateEncoding('gzip, deflate, br')).toBe('gzip');
    expect(negotiateEncoding('gzip;q=0')).toBe('identity');
    expect(negotiateEncoding('br')).toBe('identity');
    expect(negotiateEncoding('identity;q=0.5, gzip;q=0.9')).toBe('gzip');
  });

  it('is one gzip member that decodes to the identity body, in both formats, also after an update', async () => {
    const exposition = new Exposition(false);
    exposition.update(snapshot());
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const gzipped = Buffer.concat(await exposition.chunks(format, 'gzip'));
      expect(gunzipSync(gzipped).toString('utf8')).toBe(await exposition.render(format));
    }
    exposition.update({ runs: [{ result: result('a', { status: 'fail' }), finishedAt: 0 }] });
    const after = gunzipSync(Buffer.concat(await exposition.chunks('prometheus', 'gzip'))).toString('utf8');
    expect(after).toContain('xendoctor_check_status{check="a"} 2');
    expect(after).toBe(await exposition.render('prometheus'));
  });

  it('never mixes two snapshots in one gzip body when a cycle ends during a scrape', async () => {
    const exposition = new Exposition(false);
    exposition.update(snapshot());
    const scrape = exposition.chunks('prometheus', 'gzip');
    exposition.update({ runs: [{ result: result('a', { status: 'fail' }), finishedAt: 0 }] });
    const text = gunzipSync(Buffer.concat(await scrape)).toString('utf8');
    expect(text).toContain('xendoctor_command_timeouts_total{command="xl info"} 3');
    expect(text).toContain('xendoctor_check_status{check="a"} 0');
  });

  it('joins the cached part and the live process metrics so gzip(1) accepts it as one valid file', async () => {
    const exposition = new Exposition(true);
    exposition.update(snapshot());
    const gzipped = Buffer.concat(await exposition.chunks('openmetrics', 'gzip'));
    // Not only zlib: the gzip tool checks the CRC-32 and the length in the trailer too.
    const tested = spawnSync('gzip', ['-t'], { input: gzipped });
    expect(tested.status, String(tested.stderr)).toBe(0);
    const text = spawnSync('gzip', ['-dc'], { input: gzipped }).stdout.toString('utf8');
    expect(text).toContain('xendoctor_command_timeouts_total{command="xl info"} 3');
    expect(text).toMatch(/^process_cpu_seconds_total \S+$/m);
    expect(text.match(/# EOF/g)).toHaveLength(1);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    // Smaller than the text by far: what Prometheus downloads from every dom0 at every scrape.
    expect(gzipped.length * 3).toBeLessThan(Buffer.byteLength(text));
  });
});

/** One cycle of the first group's probes, finished at `at` on a made-up host. */
function cycleOf(
  groups: ReturnType<typeof groupProbes>,
  results: CheckResult[],
  at: number,
  commands: CommandResult[] = [],
): Cycle {
  return {
    group: groups[0] as Cycle['group'],
    results,
    hostInfo: { hostname: 'h', kernel: 'k', xenVersion: null, role: 'none', init: 'unknown', root: '/' },
    commands,
    startedAt: at - 5,
    finishedAt: at,
  };
}

describe('schedule and state', () => {
  const probe = (id: string, run: Probe['run'] = async () => ok('fine')): Probe => ({ id, title: id, run });

  it('never starts a second cycle of a group while one runs, and survives a probe that throws', async () => {
    let release: () => void = () => {};
    let runs = 0;
    let markStarted: () => void = () => {};
    const slowStarted = new Promise<void>((resolve) => (markStarted = resolve));
    const slow = probe('slow', async () => {
      runs++;
      await new Promise<void>((resolve) => {
        release = resolve;
        markStarted();
      });
      return ok('done');
    });
    const broken = probe('broken', async () => {
      throw new Error('boom');
    });
    const cycles: Cycle[] = [];
    const problems: string[] = [];
    const [group] = groupProbes([slow, broken], 60, {});
    if (!group) throw new Error('no group');
    const schedule = new Schedule({
      groups: [group],
      settings: defaultSettings,
      host: () => fixtureHost('dom0-domu-credit2'),
      onCycle: (cycle) => cycles.push(cycle),
      onProblem: (what) => problems.push(what),
    });
    const first = schedule.runGroup(group);
    await slowStarted; // the slow probe runs (an event, not a sleep that a loaded machine can outlast)
    const second = schedule.runGroup(group);
    expect(problems).toEqual(['overlap']);
    release();
    await Promise.all([first, second]);
    expect(runs).toBe(1);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]?.results.map((r) => [r.id, r.status])).toEqual([
      ['slow', 'ok'],
      ['broken', 'error'],
    ]);
    await schedule.stop();
    await schedule.runGroup(group);
    expect(runs).toBe(1);
  });

  it('logs a first status and each change at info, a probe error at warn, and keeps the report order', () => {
    const list = [probe('a'), probe('b')];
    const groups = groupProbes(list, 60, {});
    const { log, lines } = recorder();
    const state = new DaemonState(list, groups, log, 0);
    const cycle = (results: CheckResult[], at: number) =>
      cycleOf(groups, results, at, [command('xl info', true)]);
    state.record(cycle([result('b'), result('a')], 1000));
    state.record(cycle([result('b', { status: 'error', summary: 'xl hung' }), result('a')], 2000));
    const of = (msg: string) => lines.filter((l) => l.msg === msg).map((l) => [l.level, l.probe]);
    expect(of('first status')).toEqual([
      ['info', 'b'],
      ['info', 'a'],
    ]);
    expect(of('status changed')).toEqual([['info', 'b']]);
    expect(of('probe error')).toEqual([['warn', 'b']]);
    expect(lines.find((l) => l.msg === 'probe error')).toMatchObject({ error: 'xl hung' });
    expect(state.orderedRuns().map((r) => r.result.id)).toEqual(['a', 'b']);
    expect(state.document()?.checks.map((c) => c.id)).toEqual(['a', 'b']);
    expect(state.document()?.generatedAt).toBe(new Date(2000).toISOString());
    expect(state.summary()).toMatchObject({ ok: 1, error: 1 });
  });

  it('logs a check that turns fail or warn at warn (journalctl -p warning), its recovery at info', () => {
    const list = [probe('a'), probe('b')];
    const groups = groupProbes(list, 60, {});
    const { log, lines } = recorder();
    const state = new DaemonState(list, groups, log, 0);
    const cycle = (results: CheckResult[], at: number) => cycleOf(groups, results, at);
    state.record(cycle([result('a', { status: 'fail' }), result('b')], 1000));
    state.record(cycle([result('a', { status: 'ok' }), result('b', { status: 'warn' })], 2000));
    const changes = lines
      .filter((l) => l.msg === 'first status' || l.msg === 'status changed')
      .map((l) => [l.msg, l.probe, l.to, l.level]);
    expect(changes).toEqual([
      ['first status', 'a', 'fail', 'warn'],
      ['first status', 'b', 'ok', 'info'],
      ['status changed', 'a', 'ok', 'info'],
      ['status changed', 'b', 'warn', 'warn'],
    ]);
  });

  it('publishes the ticks skipped by overlap per probe as a counter, from the next cycle on', async () => {
    const list = [probe('a'), probe('b')];
    const groups = groupProbes(list, 60, {});
    const state = new DaemonState(list, groups, recorder().log, 0);
    const cycle = {
      group: groups[0] as Cycle['group'],
      results: [result('a'), result('b')],
      hostInfo: {
        hostname: null,
        kernel: null,
        xenVersion: null,
        role: 'none' as const,
        init: 'unknown' as const,
        root: '/',
      },
      commands: [],
      startedAt: 0,
      finishedAt: 1,
    };
    state.record(cycle);
    expect(await state.exposition.render('prometheus')).not.toMatch(/^xendoctor_probe_overlaps_total\{/m);
    state.countOverlap(groups[0]);
    state.countOverlap(groups[0]);
    state.record(cycle);
    const text = await state.exposition.render('prometheus');
    expect(text).toMatch(/^# TYPE xendoctor_probe_overlaps_total counter$/m);
    expect(text).toMatch(/^xendoctor_probe_overlaps_total\{probe="a"\} 2$/m);
    expect(text).toMatch(/^xendoctor_probe_overlaps_total\{probe="b"\} 2$/m);
  });

  it('is healthy until a group misses three intervals, since start or since its last cycle', () => {
    const groups = groupProbes([probe('a')], 60, {});
    const state = new DaemonState([probe('a')], groups, recorder().log, 0);
    expect(state.health(179_000).ok).toBe(true);
    expect(state.health(181_000)).toMatchObject({
      ok: false,
      detail: expect.stringContaining('since start'),
    });
    state.record({
      group: groups[0] as Cycle['group'],
      results: [result('a')],
      hostInfo: { hostname: null, kernel: null, xenVersion: null, role: 'none', init: 'unknown', root: '/' },
      commands: [],
      startedAt: 200_000,
      finishedAt: 200_000,
    });
    expect(state.health(379_000).ok).toBe(true);
    expect(state.health(381_000)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/for 181 s \(interval 60 s\): a/),
    });
  });

  it('skip results keep their reason in the document', () => {
    const list = [probe('a')];
    const state = new DaemonState(list, groupProbes(list, 60, {}), recorder().log, 0);
    expect(state.document()).toBeUndefined();
    expect(state.documentText()).toBeUndefined();
    state.record({
      group: groupProbes(list, 60, {})[0] as Cycle['group'],
      results: [{ id: 'a', title: 'a', ...skip('no xl'), durationMs: 0 }],
      hostInfo: { hostname: null, kernel: null, xenVersion: null, role: 'none', init: 'unknown', root: '/' },
      commands: [],
      startedAt: 0,
      finishedAt: 1,
    });
    expect(JSON.parse(state.documentText() ?? '{}').checks[0]).toMatchObject({
      status: 'skip',
      summary: 'no xl',
    });
  });
});

describe('textfile output (report --format prometheus --output FILE)', () => {
  it('writes one run of metrics atomically, leaving no temp file, and replaces an older file', async () => {
    const { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { renderOnce, writeAtomically } = await import('../src/exporter/textfile.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-textfile-'));
    try {
      const file = path.join(dir, 'xendoctor.prom');
      writeFileSync(file, 'old\n');
      const { results } = await runReport(fixtureHost('dom0-domu-credit2'), probes, defaultSettings);
      await writeAtomically(file, await renderOnce(results, 1_700_000_000_000));
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('xendoctor_check_status{check="xen-hypervisor"} 0');
      expect(text).toContain('xendoctor_probe_last_run_timestamp_seconds{probe="xen-hypervisor"} 1700000000');
      expect(text).not.toContain('process_');
      expect(text).not.toContain('xendoctor_command_timeouts_total');
      // A cron job wrote it: no HELP text claims a daemon's schedule.
      expect(text).not.toContain('scheduled run');
      expect(text).toContain('Written by one `xendoctor --format prometheus` run.');
      // Advice is a finding, and leaves check_status at 0.
      expect(text).toContain(
        'xendoctor_finding{check="scheduler",code="credit2-default",severity="advice"} 1',
      );
      expect(text).toContain('xendoctor_check_status{check="scheduler"} 0');
      // Every domain state has a series, zeros too.
      for (const state of ['running', 'blocked', 'runnable', 'paused', 'shutdown', 'crashed', 'dying']) {
        expect(text).toMatch(new RegExp(`^xendoctor_domains\\{state="${state}"\\} \\d+$`, 'm'));
      }
      expect(text).toContain('xendoctor_domains{state="crashed"} 0');
      expect(readdirSync(dir)).toEqual(['xendoctor.prom']);
      await expect(writeAtomically(path.join(dir, 'missing', 'x.prom'), 'x')).rejects.toThrow();
      expect(readdirSync(dir)).toEqual(['xendoctor.prom']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stuck commands', () => {
  it('publishes how many commands are stuck, as a gauge that is always there in the daemon', async () => {
    const none = await buildRegistry(
      { runs: [], commandTimeouts: new Map(), stuckCommands: 0 },
      'prometheus',
    ).metrics();
    expect(none).toMatch(/^xendoctor_stuck_commands 0$/m);
    const two = await buildRegistry(
      { runs: [], commandTimeouts: new Map(), stuckCommands: 2 },
      'prometheus',
    ).metrics();
    expect(two).toMatch(/^# TYPE xendoctor_stuck_commands gauge$/m);
    expect(two).toMatch(/^xendoctor_stuck_commands 2$/m);
    const oneShot = await buildRegistry({ runs: [] }, 'prometheus').metrics();
    expect(oneShot).not.toContain('stuck_commands');
  });
});
