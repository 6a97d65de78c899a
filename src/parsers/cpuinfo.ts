import { lines, ParseError } from './parse-error.js';

/** What xendoctor reads from /proc/cpuinfo. */
export interface CpuInfo {
  /** Number of "processor" blocks. */
  processors: number;
  /** vendor_id of the first processor ("GenuineIntel", "AuthenticAMD"); undefined off x86. */
  vendor: string | undefined;
  /**
   * x86 flags present on every processor (a firmware that enables VT-x on some cores only leaves it out
   * on the others); undefined when no processor has a "flags" line (ARM has "Features" instead).
   */
  flags: string[] | undefined;
}

/**
 * Parses `/proc/cpuinfo`: blocks of "key\t: value" lines, one block per processor, e.g.
 * "processor\t: 0", "vendor_id\t: AuthenticAMD", "flags\t\t: fpu de ... hypervisor lahf_lm svm".
 */
export function parseCpuinfo(text: string): CpuInfo {
  let processors = 0;
  let vendor: string | undefined;
  let common: Set<string> | undefined;
  for (const line of lines(text)) {
    // Split at the first colon (no regex over untrusted text): "flags\t\t: fpu de ... svm".
    const colon = line.indexOf(':');
    if (colon === -1) continue; // the blank line between processors
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor') {
      if (!/^\d+$/.test(value)) throw ParseError.of('/proc/cpuinfo', 'a numeric "processor" field', line);
      processors++;
    } else if (key === 'vendor_id' && vendor === undefined) {
      vendor = value;
    } else if (key === 'flags') {
      const flags = value.split(/\s+/).filter(Boolean);
      common = common === undefined ? new Set(flags) : new Set(flags.filter((f) => common?.has(f)));
    }
  }
  if (processors === 0) throw ParseError.of('/proc/cpuinfo', 'at least one "processor : N" line', text);
  return { processors, vendor, flags: common === undefined ? undefined : [...common] };
}
