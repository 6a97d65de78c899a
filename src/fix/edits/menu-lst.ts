// GRUB legacy (/boot/grub/menu.lst or grub.conf) has no generator: each entry carries its own Xen line
// (`kernel /boot/xen.gz dom0_mem=...`). xendoctor does not edit it (which entries boot matters, and a typo
// leaves the host unbootable); it tells the admin which lines to change and how.
import { splitLines } from './edit-error.js';

/** Instructions for adding Xen options to every Xen entry of a GRUB legacy menu. */
export function menuLstInstructions(text: string, set: Record<string, string>, file: string): string[] {
  const words = Object.entries(set).map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  const xenLines = splitLines(text)
    .lines.map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => /^kernel\s+\S*xen[^\s/]*(\.gz)?(\s|$)/.test(line));
  const out = [
    `${file} is a GRUB legacy menu, which xendoctor does not edit: on each Xen entry's "kernel" line, add ` +
      `${words.join(' ')} (replacing any existing value of the same option), then reboot.`,
  ];
  if (xenLines.length === 0) out.push(`  (no "kernel .../xen.gz" line found in ${file})`);
  for (const { line, number } of xenLines) out.push(`  line ${number}: ${line}`);
  return out;
}
