import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Context } from '../src/context.js';
import { createHost } from '../src/host/host.js';
import { runProbe } from '../src/runner.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { classifyXenMessage, groupXenLog, parseXlDmesg } from '../src/parsers/xl-dmesg.js';
import { hypervisorLog } from '../src/probes/hypervisor-log.js';
import { FIXTURES, HOSTS, reply, runOn } from './helpers.js';

describe('parseXlDmesg', () => {
  it('reads the real ring from boot: one warning (no SSBD under QEMU), the MTRR notice benign', () => {
    const log = parseXlDmesg(reply('dom0-domu-credit2', 'xl dmesg'));
    expect(log.lines).toHaveLength(82);
    expect(log.fromBoot).toBe(true);
    expect(log.xen).toEqual({ version: '4.17.7', debug: false });
    expect(log.loglevel).toEqual({
      hypervisor: 'Errors and warnings',
      guest: 'Nothing (Rate-limited: Errors and warnings)',
    });
    expect(log.lines.every((l) => l.source === 'XEN')).toBe(true);
    expect(log.lines.filter((l) => l.level !== 'info').map((l) => [l.level, l.message])).toEqual([
      ['warning', 'No SSBD controls available'],
    ]);
    expect(log.lines.filter((l) => l.benign).map((l) => l.message)).toEqual([
      'mtrr: your CPUs had inconsistent fixed MTRR settings',
      'mtrr: your CPUs had inconsistent variable MTRR settings',
      'mtrr: your CPUs had inconsistent MTRRdefType settings',
    ]);
  });
  it('strips timestamps and reads guest lines', () => {
    const log = parseXlDmesg(
      '(XEN) [   12.345678] Xen version 4.17.7\n(XEN) [2026-11-21 10:25:33] Brought up 2 CPUs\n(d5) hello\n',
    );
    expect(log.lines.map((l) => [l.source, l.message])).toEqual([
      ['XEN', 'Xen version 4.17.7'],
      ['XEN', 'Brought up 2 CPUs'],
      ['d5', 'hello'],
    ]);
    expect(log.fromBoot).toBe(true);
  });
  it('accepts an empty ring (xl dmesg -c) and a first line cut by the wrap', () => {
    expect(parseXlDmesg('')).toEqual({ lines: [], fromBoot: false });
    const real = reply('dom0-credit2', 'xl dmesg');
    const cut = parseXlDmesg(real.slice(real.indexOf('Detected') + 3));
    expect(cut.fromBoot).toBe(false);
    expect(cut.lines[0]?.source).toBe('');
  });
  it('throws ParseError on garbage', () => {
    expect(() => parseXlDmesg('\u0000\u0001garbage\nno prefix here\n')).toThrow(ParseError);
  });
});

describe('classifyXenMessage', () => {
  it.each([
    ['Panic on CPU 0:', 'error', 'crash'],
    ["Assertion 'x' failed at common/sched/core.c:1234", 'error', 'crash'],
    ['FATAL PAGE FAULT', 'error', 'crash'],
    ['Domain 4 (vcpu#0) crashed on cpu#1:', 'error', 'crash'],
    ['common/grant_table.c:1909:d3v0 d3 is limited to 32 grant-table frames', 'error', 'grant-table'],
    ['Allocation failure when expanding d3 grant table', 'error', 'grant-table'],
    ['AMD-Vi: IO_PAGE_FAULT: domain = 0, device id = 0x00a0', 'error', 'iommu-fault'],
    ['MCE: The hardware reports a non fatal, correctable incident occurred on CPU 0.', 'warning', undefined],
    ['Xen WARN at common/page_alloc.c:100', 'warning', undefined],
    ['parameter "sched_credit_tslice" unknown!', 'warning', undefined],
    ['CPU1: No irq handler for vector e7 (IRQ -2147483648)', 'warning', undefined],
    // Benign or plain: "Errors and warnings" names log levels; growing a grant table is normal.
    ['Std. Loglevel: Errors and warnings', 'info', undefined],
    ['common/grant_table.c:1800:d1v0 Expanding d1 grant table from 4 to 5 frames', 'info', undefined],
    ['HVM: Hardware Assisted Paging (HAP) not detected', 'info', undefined],
    // Verbatim from the lab's Debian 13 + Xen 4.20 boot (shared/lab-captures/g-trixie-xen420/xl-dmesg.txt):
    // info since 4.19, on every healthy host; and an AMD-Vi feature name.
    ['CPU0: AMD K8 machine check reporting enabled', 'info', undefined],
    ['mcheck_poll: Machine check polling timer started.', 'info', undefined],
    // XENLOG_ERR in arch/x86/cpu/amd.c, but it reports missing mitigation controls, not a failure.
    ['No SSBD controls available', 'warning', undefined],
    // AMD-Vi event log entries other than IO_PAGE_FAULT (iommu_init.c: "%s %08x %08x %08x %08x", XENLOG_ERR):
    // "_ERROR" and "_TIMEOUT" inside a word were info before.
    ['COMMAND_HW_ERROR 0000a000 20000000 00000000 00000000', 'error', 'iommu-fault'],
    ['IOTLB_INV_TIMEOUT 0000a000 70000000 fee00000 00000000', 'error', 'iommu-fault'],
    // AMD_IOMMU_ERROR() / AMD_IOMMU_WARN() in drivers/passthrough/amd/iommu.h (XENLOG_ERR / XENLOG_WARNING).
    ['AMD-Vi: Error: IVHD: invalid Device_Entry Dev_Id 0x1234', 'error', 'error'],
    ['AMD-Vi: Warning: IVMD: [fd000000,fe000000) is not IOMMU addressable', 'warning', undefined],
    // A real machine check is still an error.
    ['MCE: CPU0: Machine Check Exception: 0000000000000004', 'error', 'machine-check'],
  ])('%s -> %s', (message, level, kind) => {
    const got = classifyXenMessage(message);
    expect(got.level).toBe(level);
    expect(got.kind).toBe(kind);
  });
});

describe('feature lists and per-CPU lines (by their place in the ring)', () => {
  // Strings of drivers/passthrough/amd/iommu_detect.c's FEAT() and arch/x86/hvm/svm/svm.c's P() (Xen 4.20).
  const ring = [
    '(XEN) AMD-Vi: IOMMU Extended Features:',
    '(XEN) - Peripheral Page Service Request',
    '(XEN) - Hardware Error Registers',
    '(XEN) - Host Address Translation Size: 0x1',
    '(XEN) - PPR Log Overflow Early Warning',
    '(XEN) - Guest I/O Protection',
    '(XEN) AMD-Vi: IOMMU 0 Enabled.',
    '(XEN) SVM: Supported advanced features:',
    '(XEN)  - Nested Page Tables (NPT)',
    '(XEN)  - Pause-Intercept Filter Threshold',
  ].join('\n');
  it('reads every line of a feature list as info, whatever its words', () => {
    const log = parseXlDmesg(ring);
    expect(log.lines.filter((l) => l.level !== 'info')).toEqual([]);
    // Only the names that would otherwise read as a level are named as benign.
    expect(log.lines.filter((l) => l.benign).map((l) => l.message)).toEqual([
      '- Hardware Error Registers',
      '- PPR Log Overflow Early Warning',
    ]);
  });
  it('knows the alarming AMD-Vi feature names when the heading has rotated out', () => {
    const log = parseXlDmesg('(XEN) - PPR Log Overflow Early Warning\n(XEN) - Hardware Error Registers\n');
    expect(log.lines.map((l) => l.level)).toEqual(['info', 'info']);
  });
  it('a dash line outside a list, not a known feature, keeps its level', () => {
    const log = parseXlDmesg('(XEN) Brought up 2 CPUs\n(XEN) - Something Warning\n');
    expect(log.lines.map((l) => l.level)).toEqual(['info', 'warning']);
  });
  it('a second machine check type (mce.c prints it at XENLOG_WARNING) is a warning', () => {
    const log = parseXlDmesg(
      '(XEN) CPU0: AMD Fam19h machine check reporting enabled\n(XEN) CPU8: Intel machine check reporting enabled\n',
    );
    expect(log.lines.map((l) => l.level)).toEqual(['info', 'warning']);
  });
  it('reads what the ring holds: loglvl, guest_loglvl, version and debug=', () => {
    const log = parseXlDmesg(reply('dom0-credit2', 'xl dmesg').replace(' debug=n ', ' debug=y '));
    expect(log.xen?.debug).toBe(true);
    expect(parseXlDmesg('(XEN) Std. Loglevel: All\n').loglevel).toEqual({ hypervisor: 'All' });
  });
});

describe('groupXenLog', () => {
  it('groups lines that differ only in numbers', () => {
    const log = parseXlDmesg(reply('made-up-xl-dmesg-noisy', 'xl dmesg'));
    const groups = groupXenLog(log.lines).filter((g) => g.level !== 'info');
    expect(groups.map((g) => [g.level, g.count, g.first.message.slice(0, 30)])).toEqual([
      ['warning', 1, 'parameter "gnttab_max_frame" u'],
      ['warning', 3, 'CPU1: No irq handler for vecto'],
      ['error', 2, 'common/grant_table.c:1909:d3v0'],
      ['error', 1, '[VT-D]DMAR:[DMA Read] Request '],
      ['warning', 1, 'd4v0 Unhandled: vec 14, #PF[00'],
      ['error', 1, 'domain_crash_sync called from '],
      ['error', 1, 'Domain 4 (vcpu#0) crashed on c'],
      ['warning', 1, 'printk: 23 messages suppressed'],
    ]);
  });
});

describe('hypervisor-log', () => {
  it('is ok on the real dom0 and names the benign lines it read', async () => {
    const result = await runOn('dom0-domu-credit2', hypervisorLog);
    expect(result.status).toBe('ok');
    expect(result.summary).toBe('82 lines read, no errors; 1 warning-level (see evidence)');
    expect(result.evidence).toContain('(XEN) No SSBD controls available');
    expect(result.evidence[0]).toBe('xl dmesg: 82 lines since boot');
    expect(result.evidence.filter((e) => e.startsWith('benign: '))).toHaveLength(3);
    expect(Object.fromEntries(result.metrics.map((m) => [m.labels.level, m.value]))).toEqual({
      error: 0,
      warning: 1,
      info: 81,
    });
  });
  it('warns on a noisy ring, grouped with counts, grant table limits apart', async () => {
    const result = await runOn('made-up-xl-dmesg-noisy', hypervisorLog);
    expect(result.status).toBe('warn');
    expect(result.findings.map((f) => f.code)).toEqual(['xen-log-grant-table-limit', 'xen-log-errors']);
    expect(result.findings[1]?.message).toMatch(
      /^3 error-level line\(s\) in xl dmesg \(iommu-fault, crash\)/,
    );
    expect(result.evidence[0]).toMatch(/^xl dmesg: 42 lines \(the ring has wrapped/);
    expect(result.evidence).toContain('3\u00d7 (XEN) CPU1: No irq handler for vector e7 (IRQ -2147483648)');
    expect(result.evidence).toContain(
      '2\u00d7 (XEN) common/grant_table.c:1909:d3v0 d3 is limited to 32 grant-table frames',
    );
    expect(Object.fromEntries(result.metrics.map((m) => [m.labels.level, m.value]))).toEqual({
      error: 5,
      warning: 6,
      info: 31,
    });
  });
  it('says when loglvl= hides warnings, and nothing of debug-only lines on a debug build', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'xd-loglvl-'));
    cpSync(path.join(HOSTS, 'debian13-xen420'), root, { recursive: true, verbatimSymlinks: true });
    // The copy's fake xl points at the shared replayer by an absolute path.
    rmSync(path.join(root, 'commands/xl'));
    symlinkSync(path.join(FIXTURES, 'replay.sh'), path.join(root, 'commands/xl'));
    const ring = path.join(root, 'commands/replies/xl dmesg.stdout');
    writeFileSync(
      ring,
      readFileSync(ring, 'utf8')
        .replace('Std. Loglevel: Errors, warnings and info', 'Std. Loglevel: Errors')
        .replace(' debug=n ', ' debug=y '),
    );
    const result = await runProbe(
      new Context(createHost({ root, path: [path.join(root, 'commands')] })),
      hypervisorLog,
    );
    expect(result.evidence.slice(0, 4)).toEqual([
      'xl dmesg: 145 lines since boot',
      'Xen 4.20.5-pre (debug=y) logs errors; guest-caused: nothing (rate-limited: errors and warnings)',
      'loglvl= hides warnings (and maybe errors): this check sees less than usual',
      '(XEN) Failed to convert E820 RAM f5a00-f5b84 to RESERVED',
    ]);
  });
  it('is an error (cannot see, never ok or skip) when xl is missing on a dom0', async () => {
    const result = await runOn('made-up-openrc-xenconsoled-disabled', hypervisorLog);
    expect(result.status).toBe('error');
    expect(result.summary).toMatch(/^xl not found on PATH=/);
  });
});
