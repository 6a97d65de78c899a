import { lines, ParseError } from './parse-error.js';

/**
 * How Xen logs (xen/drivers/char/console.c): printk() takes an optional level prefix, XENLOG_ERR "<0>",
 * XENLOG_WARNING "<1>", XENLOG_INFO "<2>", XENLOG_DEBUG "<3>" (XENLOG_GUEST "<G>" before it for what a guest
 * provoked). printk_prefix_check() strips the prefix and drops the line unless its level passes `loglvl=`
 * (`guest_loglvl=` for guest lines); what passes goes to the ring without its level. So `xl dmesg` shows no
 * level, and a line's level is inferred here from the message shapes of Xen's source: `error` for what means
 * something broke, `warning` for what may matter, `info` for the rest.
 *
 * Per version: release builds (debug=n) of Xen 4.18 and later let info through by default (commit 8c01f267ef,
 * "Set the default log level to INFO for release builds"; before: errors and warnings), so info-level lines
 * such as "mcheck_poll: Machine check polling timer started." appear on every healthy host. The ring says
 * which levels it holds in its "Std. Loglevel:" line. Release builds compile dprintk()/gdprintk() out, so
 * their "file.c:line:" lines (grant table limits among them) only appear with debug=y.
 */
export type XenLogLevel = 'error' | 'warning' | 'info';
export const XEN_LOG_LEVELS: readonly XenLogLevel[] = ['error', 'warning', 'info'];

/** What an error-level line is about; `grant-table` lines get their own finding. */
export type XenLogKind = 'grant-table' | 'crash' | 'iommu-fault' | 'machine-check' | 'error';

export interface XenLogLine {
  /** "XEN" for the hypervisor, "d1" for a guest's console output, "" for a line without a prefix. */
  source: string;
  /** The text after the "(XEN) " prefix and the optional "[timestamp] ". */
  message: string;
  /** The line as printed. */
  raw: string;
  level: XenLogLevel;
  kind?: XenLogKind;
  /** Why a line that looks alarming is known to be harmless (it then counts as info). */
  benign?: string;
}

export interface XlDmesg {
  lines: XenLogLine[];
  /** The ring still holds Xen's first line ("Xen version ..."); otherwise older lines have rotated out. */
  fromBoot: boolean;
  /** From "Xen version 4.20.5-pre (...) ... debug=n ...", when the ring still holds it. */
  xen?: { version: string; debug?: boolean };
  /**
   * What reaches the ring, from "Std. Loglevel: Errors and warnings" and "Guest Loglevel: Nothing
   * (Rate-limited: Errors and warnings)" (console.c's loglvl_str()), when the ring still holds them.
   */
  loglevel?: { hypervisor: string; guest?: string };
}

// "(XEN) ..." from the hypervisor, "(d1) ..." from a guest's console (guest_printk).
const PREFIX = /^\((XEN|d\d{1,5})\) ?/;
// console_timestamps=boot "[   12.345678] ", date "[2026-11-21 10:25:33] ", raw "[0000001234567890] ".
const TIMESTAMP = /^\[[0-9 .:T-]{1,40}\] ?/;

interface Rule {
  test: RegExp | ((message: string) => boolean);
  level: XenLogLevel;
  kind?: XenLogKind;
  benign?: string;
}

// First match wins. Benign rules come first: they name lines that match a louder rule or look alarming.
const RULES: readonly Rule[] = [
  {
    // Seen in every lab boot (QEMU); on hardware a firmware quirk. Xen prints it at info level after it
    // has copied the boot CPU's MTRRs to the others, so there is nothing left to fix.
    test: /^mtrr: your CPUs had inconsistent /,
    level: 'info',
    benign: 'the firmware left the CPUs\u2019 MTRRs out of step and Xen aligned them',
  },
  // Release builds of Xen 4.18+ log at info by default, so every healthy host shows these (real lines of the
  // lab's Debian 13 + Xen 4.20 boot): the machine-check machinery starting, not a machine check.
  // arch/x86/cpu/mcheck/mce.c prints the first at XENLOG_INFO ("CPU0: AMD K8 machine check reporting
  // enabled", "CPU0: AMD Fam19h machine check reporting enabled", "CPU0: Intel machine check reporting
  // enabled"; parseXlDmesg raises a later one for another type to its XENLOG_WARNING), non-fatal.c the
  // second at KERN_INFO.
  {
    test: /^CPU\d+: .{0,40}machine check reporting enabled$|^mcheck_poll: Machine check polling timer started\.?$/,
    level: 'info',
    benign: 'machine check reporting starting up (logged by default since Xen 4.18)',
  },
  // XENLOG_ERR in arch/x86/cpu/amd.c (printed once): the CPU offers none of the controls Xen uses against
  // Speculative Store Bypass (old microcode, or a VM's CPU model such as QEMU's): worth knowing, nothing broke.
  { test: /^No SSBD controls available$/, level: 'warning' },
  // drivers/passthrough/amd/iommu.h: AMD_IOMMU_ERROR() prints XENLOG_ERR "AMD-Vi: Error: ..." (mostly the
  // firmware's IVRS table is wrong); pci_amd_iommu.c "AMD-Vi: Error initialization". AMD_IOMMU_WARN()'s
  // "AMD-Vi: Warning: ..." is XENLOG_WARNING and falls to the WARNING rule below.
  { test: /^AMD-Vi: Error\b/, level: 'error', kind: 'error' },
  // XENLOG_ERR in drivers/passthrough/amd/iommu_init.c: AMD-Vi event log entries other than IO_PAGE_FAULT,
  // "<EVENT> %08x %08x %08x %08x".
  {
    test: /^(?:ILLEGAL_DEV_TABLE_ENTRY|DEV_TABLE_HW_ERROR|PAGE_TABLE_HW_ERROR|ILLEGAL_COMMAND_ERROR|COMMAND_HW_ERROR|IOTLB_INV_TIMEOUT|INVALID_DEV_REQUEST|event)(?: [0-9a-f]{8}){4}$/,
    level: 'error',
    kind: 'iommu-fault',
  },
  // "Std. Loglevel: Errors and warnings" names the log levels; it reports nothing.
  { test: /^(?:Std\.|Guest) Loglevel: /, level: 'info' },
  // Grant table limits ("d1 is limited to 32 grant-table frames", "Expand grant table of d1 to 33 failed",
  // "Allocation failure when expanding d1 grant table"): the domain's block/network I/O stalls.
  // "Expanding d1 grant table from 4 to 5 frames" alone is normal growth.
  {
    test: (m) =>
      /\b(?:gnttab|grant[ _-]tables?|maptrack|max_grant_frames)\b/i.test(m) &&
      /\bfail|\blimit|exhaust|too many|too large|out of/i.test(m),
    level: 'error',
    kind: 'grant-table',
  },
  // The hypervisor or a domain crashed.
  {
    test: /\bPanic on CPU\b|\bXen BUG at\b|\bBUG\b|\bFATAL\b|\bAssertion '|\bdomain_crash|\bcrashed on cpu#|\bDOUBLE FAULT\b/,
    level: 'error',
    kind: 'crash',
  },
  {
    test: /\bIO_PAGE_FAULT\b|\b(?:DMAR|VT-d|AMD-Vi|IOMMU)\b.{0,120}\bfault/i,
    level: 'error',
    kind: 'iommu-fault',
  },
  { test: /\bcorrectable\b/, level: 'warning' },
  { test: /\bMCE\b|\bMachine Check\b/i, level: 'error', kind: 'machine-check' },
  { test: /\bERROR\b/, level: 'error', kind: 'error' },
  // Worth reading, not proof of damage.
  {
    test: /\bWARN(?:ING)?\b|\bfail(?:ed|ure|s)?\b|\berror\b|\btimed? ?out\b|\bdeprecated\b|\bUnhandled\b|No irq handler for vector|messages suppressed|parameter ".{1,80}" unknown/i,
    level: 'warning',
  },
];

/** The level (and kind, or the reason it is benign) of one message, prefix and timestamp removed. */
export function classifyXenMessage(message: string): Pick<XenLogLine, 'level' | 'kind' | 'benign'> {
  for (const rule of RULES) {
    const matches = typeof rule.test === 'function' ? rule.test(message) : rule.test.test(message);
    if (!matches) continue;
    const result: Pick<XenLogLine, 'level' | 'kind' | 'benign'> = { level: rule.level };
    if (rule.kind) result.kind = rule.kind;
    if (rule.benign) result.benign = rule.benign;
    return result;
  }
  return { level: 'info' };
}

// The feature lists Xen prints one per line under a heading: drivers/passthrough/amd/iommu_detect.c
// ("AMD-Vi: IOMMU Extended Features:" then "- PPR Log Overflow Early Warning", "- Maximum PASID: 0xf") and
// arch/x86/hvm/{svm/svm.c,vmx/vmcs.c} ("SVM: Supported advanced features:" then " - Nested Page Tables
// (NPT)"). A line in such a list names a feature, whatever its words ("Early Warning").
const FEATURE_LIST_HEADING =
  /^(?:AMD-Vi: IOMMU Extended Features|(?:SVM|VMX): Supported advanced features):$/;
const FEATURE_LINE = /^- [^:]{1,80}(?:: 0x[0-9a-f]{1,16})?$/;
// The AMD-Vi feature names (FEAT() in iommu_detect.c, Xen 4.14 to 4.21) that read like a level, recognised
// without their heading when the ring has wrapped past it.
const AMD_VI_ALARMING_FEATURES = new Set(['PPR Log Overflow Early Warning', 'Hardware Error Registers']);
const FEATURE_BENIGN = 'a feature name in the list Xen prints at boot, not a message';

const MCHECK_ENABLED = /^CPU\d+: (.{1,30}) machine check reporting enabled$/;

// console.c's loglvl_str(): "Nothing", "Errors", "Errors and warnings", "Errors, warnings and info", "All".
const STD_LOGLEVEL = /^Std\. Loglevel: (.{1,120})$/;
const GUEST_LOGLEVEL = /^Guest Loglevel: (.{1,120})$/;
const XEN_VERSION = /^Xen version (\d+\.\d+[^\s(]{0,40})/;

/**
 * Parses `xl dmesg` (Xen's console ring), e.g. "(XEN) Brought up 2 CPUs". Empty output is valid (the ring
 * was cleared with `xl dmesg -c`); text in which no line carries a "(XEN)" or "(dN)" prefix is not.
 */
export function parseXlDmesg(text: string): XlDmesg {
  const raws = lines(text).filter((line) => line.trim() !== '');
  // The first line may be cut (the ring wrapped mid-line); a capture without any prefix is not xl dmesg.
  // Tested before classifying, so that megabytes of something else are turned away at once.
  if (raws.length > 0 && !raws.some((raw) => PREFIX.test(raw))) {
    throw ParseError.of('xl dmesg', 'lines starting with "(XEN) "', text);
  }
  const result: XlDmesg = { lines: [], fromBoot: false };
  let inFeatureList = false;
  let firstMcheckType: string | undefined;
  for (const raw of raws) {
    const prefix = PREFIX.exec(raw);
    const rest = prefix ? raw.slice(prefix[0].length) : raw;
    const message = rest.replace(TIMESTAMP, '').trim();
    const source = prefix?.[1] ?? '';
    const line: XenLogLine = { source, message, raw: raw.trimEnd(), ...classifyXenMessage(message) };
    if (source !== 'XEN') {
      result.lines.push(line);
      continue;
    }
    inFeatureList = FEATURE_LIST_HEADING.test(message) || (inFeatureList && FEATURE_LINE.test(message));
    const feature =
      inFeatureList && !FEATURE_LIST_HEADING.test(message)
        ? true
        : AMD_VI_ALARMING_FEATURES.has(message.replace(/^- /, '').replace(/: 0x[0-9a-f]+$/, '')) &&
          message.startsWith('- ');
    if (feature && line.level !== 'info') {
      delete line.kind;
      Object.assign(line, { level: 'info', benign: FEATURE_BENIGN });
    }
    const mcheck = MCHECK_ENABLED.exec(message)?.[1];
    if (mcheck !== undefined) {
      // mce.c prints this line again, at XENLOG_WARNING, only for a CPU whose machine check type differs
      // from the first CPU's.
      firstMcheckType ??= mcheck;
      if (mcheck !== firstMcheckType) {
        delete line.benign;
        line.level = 'warning';
      }
    }
    const version = XEN_VERSION.exec(message);
    if (version?.[1] !== undefined) {
      result.fromBoot = true;
      result.xen = { version: version[1] };
      const debug = / debug=([yn])\b/.exec(message)?.[1];
      if (debug) result.xen.debug = debug === 'y';
    }
    const std = STD_LOGLEVEL.exec(message)?.[1];
    if (std !== undefined) result.loglevel = { hypervisor: std };
    const guest = GUEST_LOGLEVEL.exec(message)?.[1];
    if (guest !== undefined && result.loglevel) result.loglevel.guest = guest;
    result.lines.push(line);
  }
  return result;
}

/** Lines that differ only in numbers (domain ids, addresses, counts) grouped, in order of first sight. */
export interface XenLogGroup {
  level: XenLogLevel;
  kind?: XenLogKind;
  benign?: string;
  count: number;
  first: XenLogLine;
}

export function groupXenLog(logLines: readonly XenLogLine[]): XenLogGroup[] {
  const groups = new Map<string, XenLogGroup>();
  for (const line of logLines) {
    const key = `${line.level}\0${line.message.replace(/0x[0-9a-f]+|[0-9a-f]{8,}|\d+/gi, '#')}`;
    const group = groups.get(key);
    if (group) group.count++;
    else {
      const created: XenLogGroup = { level: line.level, count: 1, first: line };
      if (line.kind) created.kind = line.kind;
      if (line.benign) created.benign = line.benign;
      groups.set(key, created);
    }
  }
  return [...groups.values()];
}
