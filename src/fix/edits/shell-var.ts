// Sets NAME="value" in a shell-style settings file (/etc/xen/xl.conf, /etc/default/xen): every live
// assignment of NAME gets the value; with none, the last commented-out example (`#autoballoon="auto"`) is
// uncommented in place, so the setting stays next to its documentation; with neither, a line is appended.
import { continues, EditError, escapeRegExp, joinLines, splitLines } from './edit-error.js';
import type { TextEdit } from './xen-cmdline.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const VALUE = /^[A-Za-z0-9_.,:+/@%=-]*$/;

/** Sets `name` to `value`; the same text back when it already has that value. Throws EditError. */
export function setShellVar(text: string, name: string, value: string, file: string): TextEdit {
  if (!NAME.test(name) || !VALUE.test(value)) {
    throw new EditError(file, `refusing to set ${JSON.stringify(`${name}=${value}`)}`);
  }
  // xl.conf (libxlu) reads an unquoted number as a number and a quoted word as a string.
  const word = /^-?\d+$/.test(value) ? value : `"${value}"`;
  const live = new RegExp(`^(\\s*${escapeRegExp(name)}\\s*=\\s*)(.*)$`);
  const commented = new RegExp(`^\\s*#\\s*${escapeRegExp(name)}\\s*=`);
  const parts = splitLines(text);
  const lines = [...parts.lines];
  let assigned = false;
  let example: number | undefined;

  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (commented.test(line)) example = index;
    const m = live.exec(line);
    if (!m) return;
    const where = `line ${index + 1} (${JSON.stringify(line.trim().slice(0, 80))})`;
    if (continues(line)) throw new EditError(file, `${where} continues on the next line; edit it by hand`);
    const [, head = '', rest = ''] = m;
    const { current, tail } = splitValue(rest, file, where);
    assigned = true;
    if (current !== value) lines[index] = `${head}${word}${tail}${raw.endsWith('\r') ? '\r' : ''}`;
  });

  const notes: string[] = [];
  if (!assigned && example !== undefined) {
    const raw = lines[example] ?? '';
    lines[example] = `${name}=${word}${raw.endsWith('\r') ? '\r' : ''}`;
    notes.push(`uncommented ${name} on line ${example + 1}`);
  } else if (!assigned) {
    lines.push(`${name}=${word}`);
    notes.push(`appended ${name} (the file did not mention it)`);
    return { text: joinLines({ ...parts, lines, finalNewline: true }), notes };
  }
  const edited = joinLines({ ...parts, lines });
  return edited === text ? { text, notes: [] } : { text: edited, notes };
}

// A value is "...", '...' or a bare word, then spaces, an optional `;` (libxlu) and an optional comment.
function splitValue(rest: string, file: string, where: string): { current: string; tail: string } {
  const m = /^("([^"\\$`]*)"|'([^']*)'|([^\s"'#;\\$`]*))(\s*;?\s*(#.*)?)$/.exec(rest);
  if (!m)
    throw new EditError(
      file,
      `${where} has quoting or shell syntax xendoctor does not edit; edit it by hand`,
    );
  return { current: m[2] ?? m[3] ?? m[4] ?? '', tail: m[5] ?? '' };
}
