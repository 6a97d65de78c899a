import { describe, expect, it } from 'vitest';
import { ParseError } from '../src/parsers/parse-error.js';
import { atLeast, compareXenVersions, parseXenVersion } from '../src/parsers/version.js';
import { parseXlInfo } from '../src/parsers/xl-info.js';
import { scheduler } from '../src/probes/scheduler.js';
import { reply, runOn } from './helpers.js';

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
  it('warns, softened, on the real default 4.17 boot with credit2 (fixed since 4.15.1)', async () => {
    for (const host of ['dom0-credit2', 'dom0-domu-credit2']) {
      const result = await runOn(host, scheduler);
      expect(result.status, host).toBe('warn');
      expect(result.findings.map((f) => f.code)).toEqual(['credit2-default']);
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
  it('warns without softening on Xen 4.14 with credit2', async () => {
    const result = await runOn('made-up-xen414-credit2', scheduler);
    expect(result.status).toBe('warn');
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
