import { describe, expect, it } from 'vitest';
import { ParseError } from '../src/parsers/parse-error.js';
import { parseProcMounts } from '../src/parsers/proc-mounts.js';
import { xenDom0 } from '../src/probes/xen-dom0.js';
import { mountXenfs, XENFS_FSTAB_LINE } from '../src/remedies/mount-xenfs.js';
import { hostFile, runOn } from './helpers.js';

describe('parseProcMounts', () => {
  it('finds xenfs in the real dom0 mounts', () => {
    const mounts = parseProcMounts(hostFile('dom0-credit2', 'proc/mounts'));
    expect(mounts.find((m) => m.fsType === 'xenfs')).toEqual({
      device: 'xenfs',
      mountPoint: '/proc/xen',
      fsType: 'xenfs',
      options: ['rw', 'relatime'],
      line: 'xenfs /proc/xen xenfs rw,relatime 0 0',
    });
  });
  it('has no xenfs in the real boot without Xen', () => {
    const mounts = parseProcMounts(hostFile('no-xen', 'proc/mounts'));
    expect(mounts.length).toBeGreaterThan(5);
    expect(mounts.some((m) => m.fsType === 'xenfs')).toBe(false);
  });
  it('decodes octal escapes in paths', () => {
    const [mount] = parseProcMounts('/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n');
    expect(mount?.mountPoint).toBe('/mnt/my disk');
  });
  it('throws ParseError on empty, garbage and truncated input', () => {
    expect(() => parseProcMounts('')).toThrow(ParseError);
    expect(() => parseProcMounts('\u0000\uffff garbage\r\n')).toThrow(ParseError);
    expect(() => parseProcMounts('proc /proc proc rw 0 0\nxenfs /proc/xe')).toThrow(ParseError);
    expect(() => parseProcMounts('a b c d e f')).toThrow(/six fields/);
  });
});

describe('mount-xenfs remedy', () => {
  const remedy = mountXenfs();
  const edit = remedy.files[0]?.edit;
  const present = new RegExp(edit?.kind === 'ensure-line' ? edit.present : 'never');
  it('ensures the fstab line and mounts now, without a reboot', () => {
    expect(remedy).toMatchObject({
      id: 'mount-xenfs',
      reboot: false,
      commands: ['mount -t xenfs xenfs /proc/xen'],
    });
    expect(remedy.files[0]).toMatchObject({
      path: '/etc/fstab',
      edit: { kind: 'ensure-line', line: 'xenfs /proc/xen xenfs defaults 0 0' },
    });
  });
  it('recognises an existing xenfs line, per line or in the whole file', () => {
    expect(present.test(XENFS_FSTAB_LINE)).toBe(true);
    expect(present.test('none\t/proc/xen/ xenfs\tdefaults 0 0')).toBe(true);
    expect(present.test('UUID=1234 / ext4 defaults 0 1\nxenfs /proc/xen xenfs defaults 0 0\n')).toBe(true);
  });
  it('ignores comments and other file systems', () => {
    expect(present.test('#xenfs /proc/xen xenfs defaults 0 0')).toBe(false);
    expect(present.test('# xenfs /proc/xen xenfs defaults 0 0')).toBe(false);
    expect(present.test('proc /proc proc defaults 0 0\nxenfs /proc/xenstore xenfs defaults 0 0')).toBe(false);
  });
});

describe('xen-dom0', () => {
  it('is ok on the real dom0 captures, with the mounts line and capabilities as evidence', async () => {
    for (const host of ['dom0-credit2', 'dom0-domu-credit-gnttab256', 'xenconsoled-stopped']) {
      const result = await runOn(host, xenDom0);
      expect(result.status, host).toBe('ok');
      expect(result.evidence).toEqual([
        '/proc/mounts: xenfs /proc/xen xenfs rw,relatime 0 0',
        '/proc/xen/capabilities: control_d',
      ]);
    }
  });
  it('is skipped by the runner without Xen', async () => {
    const result = await runOn('no-xen', xenDom0);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('not running under Xen');
  });
  it('fails with the mount-xenfs remedy when xenfs is not mounted', async () => {
    const result = await runOn('made-up-dom0-xenfs-unmounted', xenDom0);
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.code)).toEqual(['xenfs-not-mounted']);
    expect(result.evidence).toEqual(['/proc/mounts: no xenfs on /proc/xen']);
    expect(result.remedies.map((r) => r.id)).toEqual(['mount-xenfs']);
  });
  it('skips in a domU, saying it is one and to run in dom0, without a remedy', async () => {
    const result = await runOn('made-up-domu', xenDom0);
    expect(result.status).toBe('skip');
    expect(result.summary).toBe(
      'this is a domU: the dom0 checks do not apply here; run xendoctor in dom0 to check the Xen host',
    );
    expect(result.evidence).toEqual(['/proc/xen/capabilities: (empty)']);
    expect(result.remedies).toEqual([]);
  });
  it('skips in a PVH domU without xenfs (no XENFEAT_dom0), never asking to mount xenfs', async () => {
    const result = await runOn('domu-pvh', xenDom0);
    expect(result.status).toBe('skip');
    expect(result.summary).toMatch(/^this is a domU \(PVH guest\): /);
    expect(result.evidence).toEqual([
      '/proc/xen/capabilities: missing; /sys/hypervisor/properties/features: 001d2305 (without XENFEAT_dom0)',
    ]);
  });
});
