import { describe, expect, it } from 'vitest';
import { ParseError } from '../src/parsers/parse-error.js';
import { atLeast, compareXenVersions, parseXenVersion } from '../src/parsers/version.js';
import { parseXlInfo } from '../src/parsers/xl-info.js';
import { scheduler } from '../src/probes/scheduler.js';
import { Context, defaultSettings } from '../src/context.js';
import type { Host } from '../src/host/host.js';
import { runProbe } from '../src/runner.js';
import { fixtureHost, reply, runOn } from './helpers.js';

describe('parseXenVersion / compareXenVersions', () => {
  it('reads the real xen_version of the lab (4.17.7)', () => {
    const version = parseXenVersion(parseXlInfo(reply('dom0-credit2', 'xl info')).xenVersion);
    expect(version).toMatchObject({ major: 4, minor: 17, patch: 7, prerelease: '' });
  });
  it('orders releases, point releases and prereleases', () => {
    expect(compareXenVersions('4.17.7', '4.15.1')).toBe(1);
    expect(compareXenVersions('4.15.1', '4.15.1')).toBe(0);
    expect(compareXenVersions('4.15.0', '4.15.1')).toBe(-1);
    expect(compareXenVersions('4.9.4', '4.12.0')).toBe(-1); // numeric, not string order
    expect(compareXenVersions('4.12.0-rc', '4.12.0')).toBe(-1);
    expect(compareXenVersions('4.12.0-rc2', '4.12.0-rc10')).toBe(-1);
    expect(compareXenVersions('4.18-unstable', '4.18.0-rc1')).toBe(-1);
    expect(compareXenVersions('4.12.0-rc', '4.11.4')).toBe(1);
    expect(compareXenVersions('5.0.0', '4.99.9')).toBe(1);
  });
  it('treats a distribution build suffix as the release, and a prerelease of the fix as before it', () => {
    expect(atLeast('4.16.3_04-150400.4.28', '4.15.1')).toBe(true);
    expect(atLeast('4.15.1-pre', '4.15.1')).toBe(false);
    expect(atLeast('4.15.1', '4.15.1')).toBe(true);
  });
  it('throws ParseError on empty, truncated and garbage versions', () => {
    for (const text of ['', '4', '4.', 'xen', 'v4.17.7', '\u0000']) {
      expect(() => parseXenVersion(text), JSON.stringify(text)).toThrow(ParseError);
    }
  });
});

describe('scheduler', () => {
  it('advises (ok), on the real default 4.17 boot with credit2 (fixed since 4.15.1)', async () => {
    for (const host of ['dom0-credit2', 'dom0-domu-credit2']) {
      const result = await runOn(host, scheduler);
      expect(result.status, host).toBe('ok');
      expect(result.findings.map((f) => [f.code, f.severity])).toEqual([['credit2-default', 'advice']]);
      expect(result.summary).toContain('fixed since 4.15.1');
      expect(result.summary).toContain('sched=credit remains the workaround');
      expect(result.remedies[0]).toMatchObject({
        id: 'sched-credit',
        reboot: true,
        files: [{ path: '/etc/default/grub', edit: { kind: 'xen-cmdline', set: { sched: 'credit' } } }],
      });
      expect(result.metrics).toEqual([
        expect.objectContaining({
          name: 'xen_info',
          labels: { version: '4.17.7', scheduler: 'credit2' },
          value: 1,
        }),
      ]);
    }
  });
  it('is ok on the real sched=credit boots', async () => {
    for (const host of ['dom0-credit-gnttab256', 'dom0-domu-credit-gnttab256']) {
      const result = await runOn(host, scheduler);
      expect(result.status, host).toBe('ok');
      expect(result.summary).toBe('credit scheduler on 2 CPU(s)');
      expect(result.remedies).toEqual([]);
      expect(result.metrics[0]?.labels).toEqual({ version: '4.17.7', scheduler: 'credit' });
    }
  });
  it('counts advice as warn with --strict (settings.strict)', async () => {
    const result = await runOn('dom0-credit2', scheduler, { ...defaultSettings, strict: true });
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.severity)).toEqual(['warn']);
    expect(result.summary).toContain('fixed since 4.15.1');
  });
  it('is advice on Xen 4.14 with credit2 while no domU runs (nothing to stall yet)', async () => {
    const real = fixtureHost('made-up-xen414-credit2');
    const host: Host = {
      ...real,
      async run(argv, opts) {
        const result = await real.run(argv, opts);
        // The fixture's `xl list` without its domU row: only Domain-0.
        if (argv.join(' ') === 'xl list') {
          return { ...result, stdout: result.stdout.split('\n').slice(0, 2).join('\n') };
        }
        return result;
      },
    };
    const result = await runProbe(new Context(host), scheduler);
    expect(result.status).toBe('ok');
    expect(result.findings.map((f) => [f.code, f.severity])).toEqual([['credit2-stall-risk', 'advice']]);
    expect(result.evidence).toContain('xl list: 0 domU(s) running');
  });
  it('warns without softening on Xen 4.14 with credit2 and a domU running', async () => {
    const result = await runOn('made-up-xen414-credit2', scheduler);
    expect(result.status).toBe('warn');
    expect(result.evidence).toContain('xl list: 1 domU(s) running');
    expect(result.findings.map((f) => f.code)).toEqual(['credit2-stall-risk']);
    expect(result.summary).toContain('before 4.15.1');
    expect(result.summary).not.toContain('fixed');
    expect(result.remedies.map((r) => r.id)).toEqual(['sched-credit']);
  });
  it('reports the xl error on a host without Xen only through the runner skip', async () => {
    const result = await runOn('no-xen', scheduler);
    expect(result.status).toBe('skip');
  });
});
