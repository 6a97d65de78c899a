import { describe, expect, it } from 'vitest';
import { parseCpuinfo } from '../src/parsers/cpuinfo.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { cpuVirtualization } from '../src/probes/cpu-virtualization.js';
import { hostFile, runOn } from './helpers.js';
import { expectLinear } from './linear.js';

describe('parseCpuinfo', () => {
  it('reads the real bare-metal boot: AMD, 2 CPUs, svm and the hypervisor flag', () => {
    const cpu = parseCpuinfo(hostFile('no-xen', 'proc/cpuinfo'));
    expect(cpu.processors).toBe(2);
    expect(cpu.vendor).toBe('AuthenticAMD');
    expect(cpu.flags).toContain('svm');
    expect(cpu.flags).toContain('hypervisor');
    expect(cpu.flags).not.toContain('vmx');
  });
  it('reads the real PV dom0: Xen has hidden svm', () => {
    const cpu = parseCpuinfo(hostFile('dom0-credit2', 'proc/cpuinfo'));
    expect(cpu.processors).toBe(2);
    expect(cpu.flags).not.toContain('svm');
    expect(cpu.flags).toContain('hypervisor');
  });
  it('keeps only the flags every processor has', () => {
    const text = 'processor\t: 0\nflags\t\t: fpu vmx sse\n\nprocessor\t: 1\nflags\t\t: fpu sse\n';
    expect(parseCpuinfo(text).flags?.sort()).toEqual(['fpu', 'sse']);
  });
  it('has no flags off x86 (ARM says "Features")', () => {
    const text = 'processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n';
    expect(parseCpuinfo(text)).toEqual({ processors: 1, vendor: undefined, flags: undefined });
  });
  it('throws ParseError on empty, garbage and truncated input', () => {
    expect(() => parseCpuinfo('')).toThrow(ParseError);
    expect(() => parseCpuinfo('\u0000\uffff garbage\r\nno colon here')).toThrow(ParseError);
    expect(() => parseCpuinfo('proces')).toThrow(ParseError);
    expect(() => parseCpuinfo('processor\t: zero\n')).toThrow(ParseError);
  });
  it('is linear on a long line without a colon', () => {
    expect(() => parseCpuinfo(' '.repeat(200_000))).toThrow(ParseError);
    expectLinear(parseCpuinfo, (size) => ' '.repeat(size), 2_000_000, ParseError);
  });
});

describe('cpu-virtualization', () => {
  it('is ok on the real PV dom0 although its cpuinfo lacks svm: xl info has hvm', async () => {
    const result = await runOn('dom0-credit2', cpuVirtualization);
    expect(result.status).toBe('ok');
    expect(result.evidence).toContain('xl info: virt_caps: pv hvm gnttab-v1 gnttab-v2');
    expect(result.metrics).toEqual([
      expect.objectContaining({ name: 'cpu_virtualization_available', value: 1, labels: {} }),
    ]);
  });
  it('is ok on every real dom0 capture', async () => {
    for (const host of [
      'dom0-credit-gnttab256',
      'dom0-domu-credit2',
      'dom0-domu-credit-gnttab256',
      'xenconsoled-stopped',
    ]) {
      expect((await runOn(host, cpuVirtualization)).status, host).toBe('ok');
    }
  });
  it('is ok from the svm flag on the real boot without Xen', async () => {
    const result = await runOn('no-xen', cpuVirtualization);
    expect(result.status).toBe('ok');
    expect(result.summary).toBe('AMD-V (svm) available');
    expect(result.evidence.join('\n')).toContain('flags include svm');
    expect(result.metrics[0]?.value).toBe(1);
  });
  it('fails without vmx/svm on bare metal, with the firmware remedy and metric 0', async () => {
    const result = await runOn('made-up-bare-metal-no-vmx', cpuVirtualization);
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.code)).toEqual(['no-hardware-virtualization']);
    expect(result.remedies).toEqual([
      expect.objectContaining({ id: 'enable-virtualization-firmware', reboot: true, files: [] }),
    ]);
    expect(result.remedies[0]?.title).toContain('SVM Mode (AMD-V)');
    expect(result.remedies[0]?.commands.join('\n')).toContain('/proc/cpuinfo');
    expect(result.metrics[0]?.value).toBe(0);
  });
  it('warns under Xen when xl info has no hvm (PV still works)', async () => {
    const result = await runOn('made-up-dom0-no-hvm', cpuVirtualization);
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.code)).toEqual(['no-hvm']);
    expect(result.summary).toContain('PV guests work');
    expect(result.remedies[0]).toMatchObject({ id: 'enable-virtualization-firmware', reboot: true });
    expect(result.remedies[0]?.commands.join('\n')).toContain('xl info');
    expect(result.metrics[0]?.value).toBe(0);
  });
  it('skips under Xen when xl is missing, never reading cpuinfo as a fail', async () => {
    const result = await runOn('made-up-dom0-xenfs-unmounted', cpuVirtualization);
    expect(result.status).toBe('skip');
    expect(result.summary).toMatch(/^xl not found on PATH=\S+: under Xen only `xl info` can tell/);
    expect(result.metrics).toEqual([]);
  });
  it('skips in a domU', async () => {
    const result = await runOn('made-up-domu', cpuVirtualization);
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('domU');
  });
});
