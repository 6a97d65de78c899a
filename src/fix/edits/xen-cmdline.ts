// Sets Xen boot options in /etc/default/grub, the way an admin would by hand: in the value of
// GRUB_CMDLINE_XEN_DEFAULT (or GRUB_CMDLINE_XEN when the file has only that, as Gentoo's often does), keeping
// every other option, the spacing and the quotes. grub-mkconfig's 20_linux_xen puts GRUB_CMDLINE_XEN before
// GRUB_CMDLINE_XEN_DEFAULT and Xen lets the last occurrence win, so an option already present in either is
// replaced where it is; a new option goes into the DEFAULT variable. Anything the shell would expand, a
// continued line, or a quoting we do not recognise is refused: a guess here can leave a host unbootable.
import type { XenCmdlineVar as XenVar } from '../../parsers/grub-default.js';
import { continues, EditError, escapeRegExp, joinLines, splitLines } from './edit-error.js';

export interface TextEdit {
  text: string;
  /** What the edit did beyond the diff, for people ("added a GRUB_CMDLINE_XEN_DEFAULT line"). */
  notes: string[];
}

/** One plain assignment `NAME=value` with its parts, so it can be written back exactly. */
interface Assignment {
  index: number;
  name: string;
  /** Everything before the value: indentation, `export `, the name and `=`. */
  head: string;
  quote: '"' | "'" | '';
  value: string;
  /** After the closing quote: spaces and a comment, kept as they are. */
  tail: string;
  /** A stray "\r" of a mixed-line-ending file, written back. */
  cr: string;
}

const OPTION_NAME = /^[A-Za-z0-9_.-]+$/;
const OPTION_VALUE = /^[A-Za-z0-9_.,:+/@%=-]*$/;
const TAIL = /^(\s+#.*|\s*)$/;

/** The shell variables of one file that hold a command line, and where a new option goes. */
interface OptionVars {
  /** Every variable that holds options, in the order the loader joins them (a later option wins). */
  names: readonly string[];
  /** Where a new option goes: the first of these that is assigned. */
  addTo: readonly string[];
  /** The line to append when none is assigned. */
  newLine: (words: string) => string;
  /** A note when a new option went into a variable other than the first of addTo. */
  fallbackNote?: string;
  /** A note when the line was appended. */
  appendedNote: string;
}

// grub-mkconfig's 20_linux_xen: GRUB_CMDLINE_XEN (all entries) then GRUB_CMDLINE_XEN_DEFAULT.
const GRUB_VARS: OptionVars = {
  names: ['GRUB_CMDLINE_XEN', 'GRUB_CMDLINE_XEN_DEFAULT'] satisfies XenVar[],
  addTo: ['GRUB_CMDLINE_XEN_DEFAULT', 'GRUB_CMDLINE_XEN'],
  newLine: (words) => `GRUB_CMDLINE_XEN_DEFAULT="${words}"`,
  fallbackNote: 'this file has no GRUB_CMDLINE_XEN_DEFAULT: edited GRUB_CMDLINE_XEN (all Xen entries)',
  appendedNote: 'added a GRUB_CMDLINE_XEN_DEFAULT line (the file had none)',
};

/**
 * Sets each option (`{ gnttab_max_frames: '256' }`; an empty value is a bare flag such as `noreboot`) in the
 * Xen command line of a /etc/default/grub text. Returns the same text when every option already has the
 * value. Throws EditError (naming the line) on anything it will not touch.
 */
export function setXenCmdline(
  text: string,
  set: Record<string, string>,
  file = '/etc/default/grub',
): TextEdit {
  return setShellOptions(text, set, file, GRUB_VARS);
}

/**
 * Sets options in one shell variable that holds a command line, e.g. Alpine's `xen_opts=dom0_mem=384M` in
 * /etc/update-extlinux.conf, with the same rules as setXenCmdline: other options, quotes and comments stay.
 */
export function setShellVarOptions(
  text: string,
  variable: string,
  set: Record<string, string>,
  file: string,
): TextEdit {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new EditError(file, `refusing to edit the variable ${JSON.stringify(variable)}`);
  }
  return setShellOptions(text, set, file, {
    names: [variable],
    addTo: [variable],
    newLine: (words) => `${variable}="${words}"`,
    appendedNote: `added a ${variable} line (the file had none)`,
  });
}

function setShellOptions(
  text: string,
  set: Record<string, string>,
  file: string,
  vars: OptionVars,
): TextEdit {
  for (const [name, value] of Object.entries(set)) {
    if (!OPTION_NAME.test(name) || !OPTION_VALUE.test(value)) {
      throw new EditError(file, `refusing to set the Xen option ${JSON.stringify(`${name}=${value}`)}`);
    }
  }
  const parts = splitLines(text);
  const found = findAssignments(parts.lines, file, vars.names);
  // The shell keeps the last assignment of a variable; earlier ones are dead text.
  const last = new Map<string, Assignment>();
  for (const a of found) last.set(a.name, a);
  const notes: string[] = [];
  const missing: string[] = [];

  for (const [name, value] of Object.entries(set)) {
    const word = value === '' ? name : `${name}=${value}`;
    let present = false;
    for (const a of last.values()) {
      const replaced = replaceOption(a.value, name, word);
      if (replaced !== undefined) {
        a.value = replaced;
        present = true;
      }
    }
    if (!present) missing.push(word);
  }

  if (missing.length > 0) {
    const target = vars.addTo.map((name) => last.get(name)).find((a) => a !== undefined);
    if (target) {
      target.value = appendWords(target.value, missing);
      if (target.name !== vars.addTo[0] && vars.fallbackNote) notes.push(vars.fallbackNote);
    } else {
      notes.push(vars.appendedNote);
      const added = vars.newLine(missing.join(' '));
      const lines = [...parts.lines, added];
      for (const a of last.values()) lines[a.index] = render(a);
      return { text: joinLines({ ...parts, lines, finalNewline: true }), notes };
    }
  }

  const lines = [...parts.lines];
  for (const a of last.values()) lines[a.index] = render(a);
  const edited = joinLines({ ...parts, lines });
  return { text: edited === text ? text : edited, notes: edited === text ? [] : notes };
}

/** The options in effect: GRUB_CMDLINE_XEN then GRUB_CMDLINE_XEN_DEFAULT, as grub-mkconfig joins them. */
export function readXenCmdline(text: string, file = '/etc/default/grub'): string {
  const last = new Map<string, Assignment>();
  for (const a of findAssignments(splitLines(text).lines, file, GRUB_VARS.names)) last.set(a.name, a);
  return [last.get('GRUB_CMDLINE_XEN')?.value, last.get('GRUB_CMDLINE_XEN_DEFAULT')?.value]
    .filter((v) => v !== undefined && v.trim() !== '')
    .map((v) => v?.trim())
    .join(' ');
}

// Every live line that mentions a Xen command-line variable must be a plain assignment we can rewrite.
function findAssignments(lines: readonly string[], file: string, names: readonly string[]): Assignment[] {
  const alternatives = names.map(escapeRegExp).join('|');
  const mention = new RegExp(`\\b(?:${alternatives})\\b`);
  const assignment = new RegExp(`^(\\s*(?:export\\s+)?(${alternatives})=)(.*)$`);
  const found: Assignment[] = [];
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line) || !mention.test(line)) return;
    const where = `line ${index + 1} (${JSON.stringify(line.trim().slice(0, 80))})`;
    if (continues(line)) {
      throw new EditError(file, `${where} continues on the next line; edit it by hand`);
    }
    const m = assignment.exec(line);
    if (!m) {
      throw new EditError(file, `${where} is not a plain NAME="..." assignment; edit it by hand`);
    }
    const [, head = '', name = '', rest = ''] = m;
    const cr = raw.endsWith('\r') ? '\r' : '';
    found.push({ index, name, head, cr, ...splitValue(rest, file, where) });
  });
  return found;
}

function splitValue(rest: string, file: string, where: string): Pick<Assignment, 'quote' | 'value' | 'tail'> {
  const first = rest[0];
  if (first === '"' || first === "'") {
    const close = rest.indexOf(first, 1);
    if (close === -1) {
      throw new EditError(
        file,
        `${where} has no closing ${first}: a value over several lines; edit it by hand`,
      );
    }
    const value = rest.slice(1, close);
    const tail = rest.slice(close + 1);
    if (first === '"' && /[\\$`]/.test(value)) {
      throw new EditError(
        file,
        `${where} uses \\, $ or \` inside double quotes (shell expansion); edit it by hand`,
      );
    }
    if (!TAIL.test(tail)) {
      throw new EditError(
        file,
        `${where} has unusual quoting (text after the closing ${first}); edit it by hand`,
      );
    }
    return { quote: first, value, tail };
  }
  const space = rest.search(/\s/);
  const value = space === -1 ? rest : rest.slice(0, space);
  const tail = space === -1 ? '' : rest.slice(space);
  if (!OPTION_VALUE.test(value) || !TAIL.test(tail)) {
    throw new EditError(file, `${where} has an unquoted value with shell syntax in it; edit it by hand`);
  }
  return { quote: '', value, tail };
}

// Xen compares option names with "-" and "_" as the same character (cmdline_strcmp).
function sameOption(word: string, name: string): boolean {
  const key = word.split('=', 1)[0] ?? word;
  return key.replace(/-/g, '_') === name.replace(/-/g, '_');
}

/** The value with every occurrence of the option set to `word`; undefined when the option is absent. */
function replaceOption(value: string, name: string, word: string): string | undefined {
  let present = false;
  const replaced = value.replace(/\S+/g, (token) => {
    if (!sameOption(token, name)) return token;
    present = true;
    return word;
  });
  return present ? replaced : undefined;
}

function appendWords(value: string, words: readonly string[]): string {
  const joined = words.join(' ');
  if (value.trim() === '') return value + joined;
  return /\s$/.test(value) ? value + joined : `${value} ${joined}`;
}

function render(a: Assignment): string {
  // An unquoted single word that now holds several needs quotes; otherwise the original quote is kept.
  const quote = a.quote === '' && /\s/.test(a.value) ? '"' : a.quote;
  return `${a.head}${quote}${a.value}${quote}${a.tail}${a.cr}`;
}
