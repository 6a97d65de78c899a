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
const BOOTING = /Booting (?:paravirtualized )?kernel on (.+?)\s*$/;

/**
 * Finds the boot platform line in kernel log text (`dmesg`), or undefined when the ring buffer no longer
 * holds it (long uptimes) or the kernel does not print one.
 */
export function findBootLine(text: string): BootLine | undefined {
  for (const line of lines(text)) {
    const match = BOOTING.exec(line);
    if (!match?.[1]) continue;
    const where = match[1];
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
