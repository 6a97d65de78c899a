// Why a file cannot be edited automatically. The message is for the admin: it names the file, the line and
// what to do instead; the file is always left as it was.
export class EditError extends Error {
  override name = 'EditError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** A text split into lines, each without its terminator, and whether the last line ended with one. */
export interface Lines {
  lines: string[];
  /** "\r\n" when the file uses it (every line is then written back with it), else "\n". */
  eol: '\n' | '\r\n';
  finalNewline: boolean;
}

export function splitLines(text: string): Lines {
  // CRLF only when every line break is one; a mixed file is split on "\n" and keeps its "\r"s.
  const eol = text.includes('\r\n') && !/(^|[^\r])\n/.test(text) ? '\r\n' : '\n';
  const lines = text.split(eol);
  const finalNewline = text.endsWith(eol);
  if (finalNewline || text === '') lines.pop();
  return { lines, eol, finalNewline: finalNewline || text === '' };
}

export function joinLines(parts: Lines): string {
  if (parts.lines.length === 0) return '';
  return parts.lines.join(parts.eol) + (parts.finalNewline ? parts.eol : '');
}

/** Appends lines, first ending the last line if the file did not. */
export function appendLines(parts: Lines, added: readonly string[]): Lines {
  return { ...parts, lines: [...parts.lines, ...added], finalNewline: true };
}

/** A line that ends in a backslash continues on the next one: never edited, the result would be a guess. */
export function continues(line: string): boolean {
  return /\\\s*$/.test(line);
}

/** A literal for a RegExp built from a name (GRUB_CMDLINE_XEN, vif.default.bridge). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
