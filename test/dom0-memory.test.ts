import { describe, expect, it } from 'vitest';
import {
  configuredXenCommandLine,
  configuredXenOptions,
  parseGrubDefault,
} from '../src/parsers/grub-default.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { parseXlConf } from '../src/parsers/xl-conf.js';
import { dom0Memory } from '../src/probes/dom0-memory.js';
import { hostFile, runOn } from './helpers.js';

describe('parseGrubDefault', () => {
  it('locates GRUB_CMDLINE_XEN_DEFAULT in the real Debian file, so that a fixer can rewrite it', () => {
    const text = hostFile('dom0-credit2', 'etc/default/grub');
    const grub = parseGrubDefault(text);
    expect(grub.xen).toBeUndefined();
    expect(grub.xenDefault).toMatchObject({ value: 'dom0_mem=1024M,max:1024M', quote: '"' });
    expect(grub.xenDefault?.unusual).toBeUndefined();
    const at = grub.xenDefault as NonNullable<typeof grub.xenDefault>;
    expect(text.split('\n')[at.line - 1]).toBe('GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M"');
    const edited = `${text.slice(0, at.valueStart)}dom0_mem=2G,max:2G${text.slice(at.valueEnd)}`;
    expect(parseGrubDefault(edited).xenDefault?.value).toBe('dom0_mem=2G,max:2G');
    expect(edited.replace('dom0_mem=2G,max:2G', 'dom0_mem=1024M,max:1024M')).toBe(text);
  });
  it('reads single quotes, no quotes, export, comments and both variables in boot order', () => {
    const grub = parseGrubDefault(
      [
        '# GRUB_CMDLINE_XEN_DEFAULT="commented"',
        "GRUB_CMDLINE_XEN='sched=credit'   # trailing comment",
        'export GRUB_CMDLINE_XEN_DEFAULT=dom0_mem=512M',
        'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1G,max:1G gnttab_max_frames=128"',
      ].join('\n'),
    );
    expect(grub.assignments.map((a) => [a.name, a.line, a.quote])).toEqual([
      ['GRUB_CMDLINE_XEN', 2, "'"],
      ['GRUB_CMDLINE_XEN_DEFAULT', 3, ''],
      ['GRUB_CMDLINE_XEN_DEFAULT', 4, '"'],
    ]);
    expect(grub.assignments.every((a) => a.unusual === undefined)).toBe(true);
    expect(configuredXenCommandLine(grub)).toBe('sched=credit dom0_mem=1G,max:1G gnttab_max_frames=128');
  });
  it('flags values a fixer must not rewrite: expansions, escapes, mixed quotes, continuations, more commands', () => {
    const flagged = (line: string) => parseGrubDefault(line).xenDefault?.unusual;
    expect(flagged('GRUB_CMDLINE_XEN_DEFAULT="$GRUB_CMDLINE_XEN_DEFAULT sched=credit"')).toMatch(/expands/);
    expect(flagged('GRUB_CMDLINE_XEN_DEFAULT="a \\"b\\""')).toMatch(/backslash/);
    expect(flagged('GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1G"\' sched=credit\'')).toMatch(/mixes/);
    expect(flagged('GRUB_CMDLINE_XEN_DEFAULT=dom0_mem=1G\\\n  sched=credit')).toMatch(/continuation/);
    expect(flagged('GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1G"; echo hi')).toMatch(/more after/);
    expect(flagged('GRUB_CMDLINE_XEN_DEFAULT=`cat /etc/xen-cmdline`')).toMatch(/expands/);
  });
  it('keeps counting lines across a value that spans lines', () => {
    const grub = parseGrubDefault('GRUB_CMDLINE_LINUX="quiet\n  splash"\nGRUB_CMDLINE_XEN="sched=credit"\n');
    expect(grub.xen).toMatchObject({ line: 3, value: 'sched=credit' });
    const multi = parseGrubDefault('GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1G\n sched=credit"');
    expect(multi.xenDefault?.unusual).toMatch(/several lines/);
  });
  it('reads empty input as no assignment and throws ParseError on a truncated (unterminated) value', () => {
    expect(parseGrubDefault('')).toEqual({ assignments: [] });
    expect(parseGrubDefault('\u0000\uffff garbage ;;; ((\n')).toEqual({ assignments: [] });
    expect(parseGrubDefault('GRUB_CMDLINE_XEN_DEFAULT=').xenDefault).toMatchObject({ value: '', quote: '' });
    expect(() => parseGrubDefault('GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=10')).toThrow(ParseError);
    expect(() => parseGrubDefault("GRUB_CMDLINE_LINUX='quiet\n")).toThrow(ParseError);
    expect(configuredXenOptions('GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=10')).toBeUndefined();
    expect(configuredXenOptions(undefined)).toBeUndefined();
  });
});

describe('parseXlConf', () => {
  it('reads the real Debian xl.conf: every setting commented out', () => {
    const conf = parseXlConf(hostFile('dom0-credit2', 'etc/xen/xl.conf'));
    expect(conf.settings.size).toBe(0);
    expect(conf.commented.get('autoballoon')).toBe(10);
    expect(conf.commented.has('vif.default.bridge')).toBe(true);
  });
  it('reads quoted, bare, list and dotted values with comments and semicolons', () => {
    const conf = parseXlConf(
      [
        'autoballoon = "off" # no ballooning',
        "lockfile='/var/lock/xl';",
        'claim_mode=1',
        'vif.default.bridge="xenbr0"',
        'vm.cpumask = [ "0-3",',
        '  "4-7" ]',
        '#autoballoon="auto"',
        'output_format = "a \\"quoted\\" word"',
      ].join('\n'),
    );
    expect(conf.settings.get('autoballoon')).toEqual({ value: 'off', line: 1 });
    expect(conf.settings.get('lockfile')?.value).toBe('/var/lock/xl');
    expect(conf.settings.get('claim_mode')?.value).toBe('1');
    expect(conf.settings.get('vif.default.bridge')?.value).toBe('xenbr0');
    expect(conf.settings.get('vm.cpumask')?.value).toBe('[ "0-3",\n  "4-7" ]');
    expect(conf.settings.get('output_format')?.value).toBe('a "quoted" word');
    expect(conf.commented.has('autoballoon')).toBe(false);
  });
  it('reads empty input as nothing set and throws ParseError on truncated and garbage input', () => {
    expect(parseXlConf('').settings.size).toBe(0);
    for (const text of [
      'autoballoon="of',
      'vm.cpumask = [ "0-3",',
      'autoballoon',
      'x = y z',
      '\u0000\uffff',
    ]) {
      expect(() => parseXlConf(text), JSON.stringify(text)).toThrow(ParseError);
    }
  });
});

describe('dom0-memory', () => {
  it('is ok on the real dom0 (dom0_mem=1024M,max:1024M, autoballoon commented out)', async () => {
    const result = await runOn('dom0-credit2', dom0Memory);
    expect(result.status).toBe('ok');
    expect(result.evidence).toContain('/etc/xen/xl.conf:10: autoballoon commented out, so xl uses "auto"');
    expect(result.evidence.join('\n')).toContain('does not balloon dom0, because dom0_mem is set');
    expect(result.metrics).toEqual([
      expect.objectContaining({ name: 'dom0_memory_max_bytes', labels: {}, value: 1024 * 2 ** 20 }),
    ]);
  });
  it('warns twice on autoballoon="on" with dom0_mem lacking max:, remedies in a safe order', async () => {
    const result = await runOn('made-up-autoballoon-on', dom0Memory);
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.code)).toEqual(['dom0-mem-no-max', 'autoballoon-on']);
    expect(result.remedies.map((r) => r.id)).toEqual(['dom0-mem', 'autoballoon-off']);
    expect(result.remedies[0]).toMatchObject({
      reboot: true,
      files: [
        { path: '/etc/default/grub', edit: { kind: 'xen-cmdline', set: { dom0_mem: '2048M,max:2048M' } } },
      ],
    });
    expect(result.remedies[0]?.note).toMatch(/size dom0/);
    expect(result.remedies[1]).toMatchObject({
      reboot: false,
      files: [{ path: '/etc/xen/xl.conf', edit: { kind: 'shell-var', name: 'autoballoon', value: 'off' } }],
    });
    expect(result.evidence).toContain('/etc/xen/xl.conf:10: autoballoon="on"');
    expect(result.metrics).toEqual([]);
  });
  it('warns when Xen booted without dom0_mem, notes the pending grub change and the missing xl.conf', async () => {
    const result = await runOn('made-up-no-dom0-mem', dom0Memory);
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.code)).toEqual(['dom0-mem-unset']);
    expect(result.summary).toContain('dom0_mem=1024M,max:1024M is already in /etc/default/grub');
    expect(result.evidence).toContain('/etc/xen/xl.conf: missing, so xl uses autoballoon="auto"');
    expect(result.evidence).toContain('autoballoon "auto" balloons dom0, because dom0_mem is not set');
    expect(result.remedies.map((r) => r.id)).toEqual(['dom0-mem']);
    expect(result.remedies[0]?.files[0]?.edit).toEqual({
      kind: 'xen-cmdline',
      set: { dom0_mem: '1024M,max:1024M' },
    });
  });
  it('skips on a host without Xen', async () => {
    expect((await runOn('no-xen', dom0Memory)).status).toBe('skip');
  });
});
