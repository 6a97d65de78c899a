import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/context.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { parseGnttabQuerySize } from '../src/parsers/xen-diag.js';
import { grantTables } from '../src/probes/grant-tables.js';
import { hostFile, reply, runOn } from './helpers.js';

describe('parseGnttabQuerySize', () => {
  it('reads the real answers for dom0 and a domU', () => {
    expect(parseGnttabQuerySize(reply('dom0-credit2', 'xen-diag gnttab_query_size 0'))).toEqual({
      domid: 0,
      nrFrames: 1,
      maxNrFrames: 64,
    });
    expect(parseGnttabQuerySize(reply('dom0-domu-credit-gnttab256', 'xen-diag gnttab_query_size 1'))).toEqual(
      {
        domid: 1,
        nrFrames: 2,
        maxNrFrames: 256,
      },
    );
  });
  it("throws ParseError on no-xen's empty stdout (the error went to stderr, exit 1)", () => {
    expect(reply('no-xen', 'xen-diag gnttab_query_size 0')).toBe('');
    expect(hostFile('no-xen', 'commands/replies/xen-diag gnttab_query_size 0.stderr')).toContain(
      "Can't find hypervisor information",
    );
    expect(() => parseGnttabQuerySize(reply('no-xen', 'xen-diag gnttab_query_size 0'))).toThrow(ParseError);
  });
  it('throws ParseError on empty, truncated and garbage input, and on a zero maximum', () => {
    for (const text of [
      '',
      'domid=1: nr_frames=13, max_nr',
      'failed to get the handler\n',
      'xen-diag: xen diagnostic utility\nUsage: xen-diag command [args]\n',
      '\u0000\uffff',
      'domid=1: nr_frames=1, max_nr_frames=0',
    ]) {
      expect(() => parseGnttabQuerySize(text), JSON.stringify(text)).toThrow(ParseError);
    }
  });
});

describe('grant-tables', () => {
  it('is ok on the real default boot (64 frames) with metrics per domain', async () => {
    const result = await runOn('dom0-domu-credit2', grantTables);
    expect(result.status).toBe('ok');
    expect(result.summary).toContain('tiny (dom1) 2 of 64');
    expect(result.metrics).toContainEqual(
      expect.objectContaining({
        name: 'gnttab_max_frames',
        labels: { domid: '1', domain: 'tiny' },
        value: 64,
      }),
    );
    expect(result.metrics).toContainEqual(
      expect.objectContaining({
        name: 'gnttab_frames',
        labels: { domid: '0', domain: 'Domain-0' },
        value: 1,
      }),
    );
  });
  it('sees the raised limit of 256 on the real gnttab_max_frames=256 boots', async () => {
    for (const host of ['dom0-credit-gnttab256', 'dom0-domu-credit-gnttab256']) {
      const result = await runOn(host, grantTables);
      expect(result.status, host).toBe('ok');
      expect(result.summary, host).toContain('limit 256');
      expect(result.evidence.join('\n')).toContain('dom0: 1 of 256 grant frames');
    }
  });
  it('warns when a domU uses 61 of 64 frames, with the gnttab-max-frames remedy', async () => {
    const result = await runOn('made-up-gnttab-near-limit', grantTables);
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.code)).toEqual(['grant-frames-near-limit']);
    expect(result.summary).toContain('web (dom3) uses 61 of 64 grant frames');
    expect(result.remedies).toHaveLength(1);
    // This made-up host has no boot loader files at all: the remedy says what to add and edits nothing.
    expect(result.remedies[0]).toMatchObject({
      id: 'gnttab-max-frames',
      reboot: true,
      files: [],
      commands: [],
    });
    expect(result.remedies[0]?.note).toContain('max_grant_frames = 256');
    expect(result.remedies[0]?.note).toContain(
      'cannot tell which boot loader starts Xen here (no /etc/default/grub (GRUB 2), /etc/update-extlinux.conf',
    );
    expect(result.remedies[0]?.note).toContain("add gnttab_max_frames=256 to Xen's command line");
  });
  it('follows the warn ratio from the settings', async () => {
    const result = await runOn('made-up-gnttab-near-limit', grantTables, {
      ...defaultSettings,
      gnttabWarnRatio: 0.96,
    });
    expect(result.status).toBe('ok');
  });
  it('fails when a domU has used all 64 of its frames', async () => {
    const result = await runOn('made-up-gnttab-full', grantTables);
    expect(result.status).toBe('fail');
    expect(result.findings).toEqual([
      expect.objectContaining({
        code: 'grant-frames-exhausted',
        message: expect.stringContaining('db (dom5)'),
      }),
    ]);
    expect(result.remedies.map((r) => r.id)).toEqual(['gnttab-max-frames']);
  });
  it("fails when dom0's kernel logged max_grant_frames reached, though below 100%", async () => {
    const result = await runOn('made-up-gnttab-dom0-logged', grantTables);
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.code)).toEqual([
      'grant-frames-near-limit',
      'grant-limit-reached-logged',
    ]);
    expect(result.summary).toContain('60 + 5 frames asked, limit 64');
    expect(result.evidence.join('\n')).toContain('dmesg: [86400.123456] xen:grant_table:');
  });
  it('is an error, never ok, when xen-diag exits 0 but prints only an error', async () => {
    const result = await runOn('made-up-xen-diag-error', grantTables);
    expect(result.status).toBe('error');
    expect(result.evidence.join('\n')).toContain('exited 0 without sizes; stderr: failed to get the handler');
    expect(result.metrics).toEqual([]);
  });
  it('is an error (the check cannot see) when xen-diag is missing on a dom0', async () => {
    const result = await runOn('made-up-no-xen-diag', grantTables);
    expect(result.status).toBe('error');
    expect(result.summary).toMatch(/^xen-diag not found on PATH=/);
    expect(result.metrics).toEqual([]);
  });
  it('skips on a host without Xen (the runner says why)', async () => {
    const result = await runOn('no-xen', grantTables);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('not running under Xen');
  });
});
