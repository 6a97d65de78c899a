// Makes sure a file has a line (an /etc/fstab entry for xenfs): nothing changes when a line matching
// `present` is already there, whatever its spacing or options; otherwise `line` is appended.
import { appendLines, EditError, joinLines, splitLines } from './edit-error.js';
import type { TextEdit } from './xen-cmdline.js';

/** Appends `line` unless a line matches `present` (a RegExp source, tested line by line). */
export function ensureLine(text: string, line: string, present: string, file: string): TextEdit {
  let pattern: RegExp;
  try {
    pattern = new RegExp(present);
  } catch {
    throw new EditError(
      file,
      `the remedy's pattern ${JSON.stringify(present)} is not a valid regular expression`,
    );
  }
  // Otherwise a second run would append the line again: the remedy is wrong, not the file.
  if (!pattern.test(line) || line.includes('\n')) {
    throw new EditError(file, `the remedy's line ${JSON.stringify(line)} does not match its own pattern`);
  }
  const parts = splitLines(text);
  if (parts.lines.some((l) => pattern.test(l.replace(/\r$/, '')))) return { text, notes: [] };
  return { text: joinLines(appendLines(parts, [line])), notes: [] };
}
