// `--format nagios` against the Monitoring Plugins Development Guidelines: the first line is
// "SERVICE STATUS - text | perfdata", perfdata is 'label'=value[UOM];[warn];[crit];[min];[max] separated by
// spaces, no '|' in the text, and the exit code is the state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/check.js';
import { error, fromFindings } from '../src/check.js';
import { defaultSettings } from '../src/context.js';
import { buildDocument } from '../src/report/document.js';
import { gnttabMaxRatio, renderNagios } from '../src/report/nagios.js';
import { HOSTS } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli.js');

/** One perfdata item: label=value[UOM];[warn];[crit];[min];[max] (plugin guidelines, section 2.6). */
const PERF_ITEM =
  /^(?:'[^'=]+'|[^'= ]+)=-?\d+(?:\.\d+)?(?:s|ms|us|%|B|KB|MB|TB|c)?(?:;(?:-?\d+(?:\.\d+)?)?){0,4}$/;

function expectPluginOutput(stdout: string, state: string): string[] {
  const [first = '', ...rest] = stdout.trimEnd().split('\n');
  const match = /^XENDOCTOR (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]+) \| (.+)$/.exec(first);
  expect(match, first).not.toBeNull();
  expect(match?.[1]).toBe(state);
  for (const item of (match?.[3] ?? '').split(' ')) expect(item).toMatch(PERF_ITEM);
  for (const line of rest) expect(line).not.toContain('|');
  return (match?.[3] ?? '').split(' ');
}

function run(host: string, args: string[] = []) {
  const result = spawnSync(
    process.execPath,
    [CLI, '--replay', path.join(HOSTS, host), '--format', 'nagios', ...args],
    { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 60_000 },
  );
  return { code: result.status, stdout: result.stdout };
}

describe('--format nagios', () => {
  it('a healthy dom0 with advice: OK, exit 0, the advice named, counts and the fullest grant table', () => {
    const { code, stdout } = run('dom0-domu-credit2');
    expect(code).toBe(0);
    const perf = expectPluginOutput(stdout, 'OK');
    expect(stdout.split('\n')[0]).toContain('(advice: scheduler, bridge-offload, bridge-redirects)');
    expect(perf).toEqual(['ok=12', 'warn=0', 'fail=0', 'unknown=0', 'gnttab_max_ratio=0.031;0.75;1']);
    expect(stdout).toContain('OK (advice) bridge-offload: ');
  });

  it('a grant table near its limit: WARNING naming it, exit 1', () => {
    const { code, stdout } = run('made-up-gnttab-near-limit', ['--check', 'grant-tables']);
    expect(code).toBe(1);
    expectPluginOutput(stdout, 'WARNING');
    expect(stdout.split('\n')[0]).toBe(
      'XENDOCTOR WARNING - grant-tables: web (dom3) uses 61 of 64 grant frames (95%, warning from 75%) | ok=0 warn=1 fail=0 unknown=0 gnttab_max_ratio=0.953;0.75;1',
    );
  });

  it('xenconsoled stopped: CRITICAL, exit 2', () => {
    const { code, stdout } = run('xenconsoled-stopped');
    expect(code).toBe(2);
    expectPluginOutput(stdout, 'CRITICAL');
    expect(stdout.split('\n')[0]).toContain('xen-daemons: xenconsoled is not running');
  });

  it('a blind check: UNKNOWN, exit 3', () => {
    const { code, stdout } = run('made-up-no-xen-diag', ['--check', 'grant-tables']);
    expect(code).toBe(3);
    const perf = expectPluginOutput(stdout, 'UNKNOWN');
    expect(perf).toEqual(['ok=0', 'warn=0', 'fail=0', 'unknown=1']); // no grant table read: no ratio
    expect(stdout.split('\n')[0]).toContain('grant-tables: xen-diag not found on PATH=');
  });

  it("keeps '|' from host text out of the status line and the details", () => {
    const result = (id: string, outcome: ReturnType<typeof error>): CheckResult => ({
      id,
      title: id,
      durationMs: 0,
      ...outcome,
    });
    const results = [
      result('a', error('`xl list` exited 1: a | b')),
      result(
        'b',
        fromFindings({
          findings: [{ code: 'x', severity: 'advice', message: 'pipe | here' }],
          okSummary: 'fine',
        }),
      ),
    ];
    const info = {
      hostname: null,
      kernel: null,
      xenVersion: null,
      role: 'dom0',
      init: 'unknown',
      root: '/',
    } as const;
    const doc = buildDocument('0', info, results);
    const text = renderNagios(doc, results, defaultSettings);
    expectPluginOutput(text, 'UNKNOWN');
    expect(text).toContain('a / b');
  });

  it('computes the fullest grant table from the samples, none without samples', () => {
    const sample = (name: string, domid: string, value: number) => ({
      name,
      help: '',
      labels: { domid },
      value,
    });
    const grant: CheckResult = {
      id: 'grant-tables',
      title: '',
      durationMs: 0,
      ...fromFindings({ findings: [], okSummary: '' }),
      metrics: [
        sample('gnttab_frames', '0', 10),
        sample('gnttab_max_frames', '0', 64),
        sample('gnttab_frames', '3', 61),
        sample('gnttab_max_frames', '3', 64),
      ],
    };
    expect(gnttabMaxRatio([grant])).toBeCloseTo(61 / 64);
    expect(gnttabMaxRatio([{ ...grant, metrics: [] }])).toBeUndefined();
  });
});
