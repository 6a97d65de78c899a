import { describe, expect, it } from 'vitest';
import { findBootLine } from '../src/parsers/dmesg.js';
import { xenHypervisor } from '../src/probes/xen-hypervisor.js';
import { reply, runOn } from './helpers.js';

describe('findBootLine', () => {
  it('reads the 6.x wording under Xen (real dmesg)', () => {
    expect(findBootLine(reply('dom0-domu-credit2', 'dmesg'))).toEqual({
      platform: 'xen',
      line: expect.stringMatching(/\] Booting kernel on Xen$/),
    });
  });
  it('reads "paravirtualized kernel on bare hardware" (real dmesg, booted without Xen)', () => {
    expect(findBootLine(reply('no-xen', 'dmesg'))?.platform).toBe('bare-hardware');
  });
  it('reads the old wording and other platforms', () => {
    expect(findBootLine('[    0.000000] Booting paravirtualized kernel on Xen\n')?.platform).toBe('xen');
    expect(findBootLine('[    0.000000] Booting paravirtualized kernel on KVM')?.platform).toBe('other');
  });
  it('finds nothing in empty, truncated or garbage text', () => {
    expect(findBootLine('')).toBeUndefined();
    expect(findBootLine('[    0.000000] Booting kern')).toBeUndefined();
    expect(findBootLine('\u0000\uffff garbage\r\n')).toBeUndefined();
  });
});

describe('xen-hypervisor', () => {
  it('is ok on a real dom0 with the boot line as evidence', async () => {
    const result = await runOn('dom0-domu-credit2', xenHypervisor);
    expect(result.status).toBe('ok');
    expect(result.evidence).toContain('/sys/hypervisor/type: xen');
    expect(result.evidence.join('\n')).toContain('Booting kernel on Xen');
  });
  it('fails with the bare-hardware evidence and the GRUB remedy when booted without Xen', async () => {
    const result = await runOn('no-xen', xenHypervisor);
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.code)).toEqual(['booted-without-xen']);
    expect(result.evidence.join('\n')).toContain('on bare hardware');
    expect(result.remedies[0]).toMatchObject({ id: 'boot-xen-entry', reboot: true });
  });
});

describe('xen-hypervisor on a box without Xen', () => {
  it('says it is not a Xen host and how to install Xen, not how to boot it', async () => {
    const result = await runOn('plain-linux', xenHypervisor);
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.code)).toEqual(['xen-not-installed']);
    expect(result.evidence).toContain('dmesg: not found');
    expect(result.remedies.map((r) => r.id)).toEqual(['install-xen']);
  });
});
