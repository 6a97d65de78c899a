import { lines, ParseError } from './parse-error.js';

/**
 * Xen prints no level with its console lines (the "<E>"/"<W>" prefixes only filter what reaches the ring),
 * so a line's level is inferred from known wording: `error` for what means something broke, `warning` for
 * what may matter, `info` for the rest.
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
  // Xen 4.19+ release builds log at info by default, so every healthy host shows these (real lines of the
  // lab's Debian 13 + Xen 4.20 boot): the machine-check machinery starting, not a machine check.
  {
    test: /^CPU\d+: .{0,40}machine check reporting enabled$|^mcheck_poll: Machine check polling timer started\.?$/,
    level: 'info',
    benign: 'machine check reporting starting up (info since Xen 4.19)',
  },
  // AMD-Vi lists the IOMMU's extended features one per line ("- PPR Log Overflow Early Warning" on every
  // EPYC boot): a feature name, not a warning.
  {
    test: /^- [A-Za-z0-9][A-Za-z0-9 /().-]{0,60} Warning$/,
    level: 'info',
    benign: 'an IOMMU feature name in the extended features list',
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
  const parsed = raws.map((raw): XenLogLine => {
    const prefix = PREFIX.exec(raw);
    const rest = prefix ? raw.slice(prefix[0].length) : raw;
    const message = rest.replace(TIMESTAMP, '').trim();
    return { source: prefix?.[1] ?? '', message, raw: raw.trimEnd(), ...classifyXenMessage(message) };
  });
  return {
    lines: parsed,
    fromBoot: parsed.some((line) => line.source === 'XEN' && line.message.startsWith('Xen version ')),
  };
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
