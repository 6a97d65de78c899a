// One configuration for every face: the report (text/JSON, Nagios), the textfile (--format prometheus), the
// daemon (serve) and fix read the same config file and flags, so on the same host they never disagree.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';
import type { Status } from '../src/check.js';
import { configFlags, loadConfig } from '../src/config.js';
import { startDaemon } from '../src/exporter/daemon.js';
import { STATUS_VALUE } from '../src/exporter/metrics.js';
import { hostFlags } from '../src/host-flags.js';
import { probes } from '../src/probes/index.js';
import type { ReportDocument } from '../src/report/document.js';
import { HOSTS, quietLog, xendoctor } from './helpers.js';

const HOST = path.join(HOSTS, 'dom0-domu-credit2');

const dir = mkdtempSync(path.join(tmpdir(), 'xendoctor-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// strict turns the advice (scheduler, bridge-offload) into warnings; the gnttab threshold of 3% makes tiny's
// 2 of 64 frames a warning; one check is off in the file and one by a flag.
const CONFIG = path.join(dir, 'config.json');
writeFileSync(
  CONFIG,
  JSON.stringify({
    strict: true,
    thresholds: { gnttabWarnRatio: 0.03 },
    checks: { 'hypervisor-log': { enabled: false } },
  }),
);
const SHARED = ['--replay', HOST, '--config', CONFIG, '--disable-check', 'bridge-redirects'];

const statusOf = Object.fromEntries(Object.entries(STATUS_VALUE).map(([s, v]) => [String(v), s])) as Record<
  string,
  Status
>;

/** check id -> status, from an exposition's xendoctor_check_status lines. */
function statusesFromMetrics(text: string): Record<string, Status> {
  const out: Record<string, Status> = {};
  for (const match of text.matchAll(/^xendoctor_check_status\{check="([^"]+)"\} (-?\d+)$/gm)) {
    out[match[1] as string] = statusOf[match[2] as string] as Status;
  }
  return out;
}

describe('one configuration for report, textfile, nagios, serve and fix', () => {
  it('gives the same statuses on the same host and config, with the config applied', async () => {
    const report = xendoctor([...SHARED, '--json']);
    expect(report.stderr).toBe('');
    const doc = JSON.parse(report.stdout) as ReportDocument;
    const fromReport = Object.fromEntries(doc.checks.map((c) => [c.id, c.status]));
    // The config took effect: the checks left off are not there; strict and the threshold raise warnings.
    expect(Object.keys(fromReport)).not.toContain('hypervisor-log');
    expect(Object.keys(fromReport)).not.toContain('bridge-redirects');
    expect(fromReport).toMatchObject({ 'grant-tables': 'warn', scheduler: 'warn', 'bridge-offload': 'warn' });
    expect(report.code).toBe(1);

    const textfile = xendoctor([...SHARED, '--format', 'prometheus']);
    expect(textfile.code).toBe(report.code);
    expect(statusesFromMetrics(textfile.stdout)).toEqual(fromReport);

    const nagios = xendoctor([...SHARED, '--format', 'nagios']);
    expect(nagios.code).toBe(report.code);
    expect(nagios.stdout).toMatch(/^XENDOCTOR WARNING - /);
    expect(nagios.stdout.split('\n')[0]).toContain('gnttab_max_ratio=0.031;0.03;1');

    // serve: the same flags through the daemon's own config loader.
    const args = parseArgs(SHARED, { ...hostFlags, ...configFlags });
    const config = loadConfig(
      args,
      {},
      probes.map((p) => p.id),
    );
    const daemon = await startDaemon({
      config: { ...config, listen: { host: '127.0.0.1', port: 0 }, logLevel: 'silent' },
      probes,
      log: quietLog,
    });
    try {
      await daemon.schedule.idle();
      const served = await (await fetch(`http://127.0.0.1:${daemon.address.port}/metrics`)).text();
      expect(statusesFromMetrics(served)).toEqual(fromReport);
    } finally {
      await daemon.stop();
    }

    // fix plans only what the same config leaves on: no send-redirects-off (bridge-redirects is off).
    const fix = xendoctor(['fix', ...SHARED, '--json']);
    expect(fix.stderr).toBe('');
    const plan = JSON.parse(fix.stdout) as { remedies: { id: string }[] };
    const ids = plan.remedies.map((r) => r.id);
    expect(ids).toContain('gnttab-max-frames');
    expect(ids).not.toContain('send-redirects-off');
  });

  it('without the config, the same host exits 0 with advice only, on every face', () => {
    const report = xendoctor(['--replay', HOST, '--json']);
    expect(report.code).toBe(0);
    const textfile = xendoctor(['--replay', HOST, '--format', 'prometheus']);
    const doc = JSON.parse(report.stdout) as ReportDocument;
    expect(statusesFromMetrics(textfile.stdout)).toEqual(
      Object.fromEntries(doc.checks.map((c) => [c.id, c.status])),
    );
    expect(xendoctor(['--replay', HOST, '--format', 'nagios']).code).toBe(0);
  });

  it('refuses a bad config file with exit 78 naming the key, on the report as on serve', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ thresholds: { pausedWarnSeconds: 300 } }));
    const run = xendoctor(['--replay', HOST, '--config', bad]);
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('pausedWarnSeconds');
    // A typo on the command line is a usage error, as `--check nope` is (test/cli-consistency.test.ts).
    const typo = xendoctor(['--replay', HOST, '--disable-check', 'no-such-check']);
    expect(typo.code).toBe(64);
    expect(typo.stderr).toContain('unknown check "no-such-check"');
  });
});
