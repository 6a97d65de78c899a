/**
 * Splits a Xen (or Linux) command line into options, as Xen does: words separated by spaces,
 * "key=value" or a bare flag. "dom0_mem=1024M,max:1024M console=com1 noreboot" gives
 * { dom0_mem: "1024M,max:1024M", console: "com1", noreboot: "" }. The last occurrence wins, as in Xen.
 */
export function parseCommandLine(text: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const word of text.trim().split(/\s+/)) {
    if (!word) continue;
    const eq = word.indexOf('=');
    if (eq === -1) options.set(word, '');
    else options.set(word.slice(0, eq), word.slice(eq + 1));
  }
  return options;
}
