import { lines } from './parse-error.js';

/** How the kernel says it booted, from its first lines. */
export type BootPlatform = 'xen' | 'bare-hardware' | 'other';

export interface BootLine {
  platform: BootPlatform;
  /** The line as printed, e.g. "[    0.971401] Booting kernel on Xen". */
  line: string;
}

// 6.x kernels print "Booting kernel on Xen", older ones "Booting paravirtualized kernel on Xen"; a
// Xen-capable kernel started without the hypervisor prints "... on bare hardware" (or KVM, Hyper-V...).
// Only the fixed phrase is matched: a tail like `(.+?)\s*$` backtracks quadratically on a long line of
// blanks, so the platform is the rest of the line, trimmed.
const BOOTING = /Booting (?:paravirtualized )?kernel on /;

/**
 * Finds the boot platform line in kernel log text (`dmesg`), or undefined when the ring buffer no longer
 * holds it (long uptimes) or the kernel does not print one.
 */
export function findBootLine(text: string): BootLine | undefined {
  for (const line of lines(text)) {
    const match = BOOTING.exec(line);
    if (!match) continue;
    const where = line.slice(match.index + match[0].length).trimEnd();
    if (!where) continue;
    const platform: BootPlatform =
      where === 'Xen' ? 'xen' : where === 'bare hardware' ? 'bare-hardware' : 'other';
    return { platform, line: line.trim() };
  }
  return undefined;
}

/** Kernel log lines containing a phrase (case-sensitive), trimmed. */
export function grepLines(text: string, phrase: string): string[] {
  return lines(text)
    .filter((line) => line.includes(phrase))
    .map((line) => line.trim());
}

/**
 * What xen-netback prints when a guest's traffic breaks its rings (drivers/net/xen-netback/netback.c,
 * netdev_err on the vif): a frontend that sends malformed requests is disconnected ("fatal error;
 * disabling device"), e.g. "[  501.840816] vif vif-1-0 vif1.0: Cross page boundary, txp->offset: 2872,
 * size: 1460" then "vif vif-1-0 vif1.0: fatal error; disabling device" (xen-devel, December 2021).
 * These are the symptoms the offload advice is for. Not every netback line is one: "xenvif_start_xmit:
 * Invalid queue 1 for packet on interface vif1.0" (seen in the lab while a domU's netfront sets up its
 * queues) is not.
 */
export const NETBACK_ERRORS = [
  'fatal error; disabling device',
  'Too many slots',
  'Invalid extra type',
  'Missing extra info',
  'Cross page boundary',
] as const;

/** Kernel log lines (`dmesg`) in which xen-netback reports a broken guest ring, trimmed. */
export function findNetbackErrors(text: string): string[] {
  // Almost always none: a few substring scans, not a split of the whole ring buffer.
  if (!NETBACK_ERRORS.some((phrase) => text.includes(phrase))) return [];
  return lines(text)
    .filter((line) => NETBACK_ERRORS.some((phrase) => line.includes(phrase)))
    .map((line) => line.trim());
}
