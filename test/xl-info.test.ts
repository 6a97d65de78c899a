import { describe, expect, it } from 'vitest';
import { Context } from '../src/context.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { parseXlInfo } from '../src/parsers/xl-info.js';
import { fixtureHost, hostFile, reply } from './helpers.js';

// Every real capture of `xl info` (lab scenarios a, b, b-domu, e and c).
const REAL = [
  ['dom0-credit2', 'credit2', 'dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot'],
  ['dom0-domu-credit2', 'credit2', 'dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot'],
  ['xenconsoled-stopped', 'credit2', 'dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot'],
  [
    'dom0-credit-gnttab256',
    'credit',
    'dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot sched=credit gnttab_max_frames=256',
  ],
  [
    'dom0-domu-credit-gnttab256',
    'credit',
    'dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot sched=credit gnttab_max_frames=256',
  ],
] as const;

describe('parseXlInfo', () => {
  for (const [host, sched, cmdline] of REAL) {
    it(`reads the real output of ${host}`, () => {
      const info = parseXlInfo(reply(host, 'xl info'));
      expect(info).toMatchObject({
        host: 'xenlab-dom0',
        release: '6.1.0-56-amd64',
        nrCpus: 2,
        xenVersion: '4.17.7',
        xenMajor: 4,
        xenMinor: 17,
        xenScheduler: sched,
        xenCommandline: cmdline,
      });
      expect(info.virtCaps).toEqual(['pv', 'hvm', 'gnttab-v1', 'gnttab-v2']);
      expect(info.xenCaps).toContain('hvm-3.0-x86_64');
      // An empty value is kept as empty, not dropped.
      expect(info.fields.xen_changeset).toBe('');
    });
  }
  it("throws ParseError on no-xen's empty stdout", () => {
    expect(() => parseXlInfo(reply('no-xen', 'xl info'))).toThrow(ParseError);
  });
  it('throws ParseError on truncated and garbage input', () => {
    const real = reply('dom0-credit2', 'xl info');
    expect(() => parseXlInfo(real.slice(0, real.indexOf('xen_major')))).toThrow(/no "xen_\w+" line/);
    expect(() => parseXlInfo(real.replace('nr_cpus                : 2', 'nr_cpus : two'))).toThrow(
      /not a whole number/,
    );
    expect(() => parseXlInfo('\u0000\uffff garbage: yes\n')).toThrow(ParseError);
  });
  it('throws ParseError on garbage that parses: nr_cpus 0, an empty xen_scheduler', () => {
    const real = reply('dom0-credit2', 'xl info');
    expect(() => parseXlInfo(real.replace(/^nr_cpus\s*: 2$/m, 'nr_cpus                : 0'))).toThrow(
      /"nr_cpus" of at least 1/,
    );
    expect(() =>
      parseXlInfo(real.replace(/^xen_scheduler\s*: credit2$/m, 'xen_scheduler          : ')),
    ).toThrow(/a "xen_scheduler" name/);
  });
  it('reads Xen before 4.12 without a virt_caps line', () => {
    const real = reply('dom0-credit2', 'xl info');
    expect(parseXlInfo(real.replace(/^virt_caps.*\n/m, '')).virtCaps).toEqual([]);
  });
});

describe('ctx.xlInfo', () => {
  it('parses the real output once per run', async () => {
    const ctx = new Context(fixtureHost('dom0-credit2'));
    const [a, b] = await Promise.all([ctx.xlInfo(), ctx.xlInfo()]);
    expect(a.ok && a.value.xenScheduler).toBe('credit2');
    expect(a.ok && b.ok && a.result).toBe(b.ok && b.result);
    expect((await ctx.commands()).length).toBe(1);
  });
  it("turns no-xen's exit 1 and stderr into an error with xl's own words", async () => {
    expect(hostFile('no-xen', 'commands/replies/xl info.stderr')).toContain(
      "Can't find hypervisor information",
    );
    const parsed = await new Context(fixtureHost('no-xen')).xlInfo();
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.outcome.status).toBe('error');
    expect(parsed.outcome.summary).toBe(
      "`xl info` exited 1: ERROR:  Can't find hypervisor information in sysfs!",
    );
  });
});
