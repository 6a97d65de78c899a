import { ParseError } from './parse-error.js';
import { parseCommandLine } from './xen-cmdline.js';

/** The two variables GRUB's 20_linux_xen puts on the Xen command line. */
export const XEN_CMDLINE_VARS = ['GRUB_CMDLINE_XEN_DEFAULT', 'GRUB_CMDLINE_XEN'] as const;
export type XenCmdlineVar = (typeof XEN_CMDLINE_VARS)[number];

/** One `NAME=value` assignment in a shell-style file, located so that a fixer can rewrite its value. */
export interface ShellAssignment {
  name: XenCmdlineVar;
  /** The value as the shell would see it, quotes removed (exact only when `unusual` is undefined). */
  value: string;
  /** The quote around the value; '' when unquoted (or empty: `NAME=`). */
  quote: '"' | "'" | '';
  /** 1-based line the assignment starts on. */
  line: number;
  /**
   * Offsets in the text: text.slice(valueStart, valueEnd) is the value between its quotes. Replacing that
   * range (when `unusual` is undefined) changes the value and keeps the quotes and every other byte.
   */
  valueStart: number;
  valueEnd: number;
  /** Why the value must not be rewritten mechanically: an expansion, an escape, mixed quotes, a continuation. */
  unusual?: string;
}

export interface GrubDefault {
  /** Every assignment of GRUB_CMDLINE_XEN_DEFAULT and GRUB_CMDLINE_XEN, in file order. */
  assignments: ShellAssignment[];
  /** The last GRUB_CMDLINE_XEN_DEFAULT assignment (the shell's last one wins). */
  xenDefault?: ShellAssignment;
  /** The last GRUB_CMDLINE_XEN assignment. */
  xen?: ShellAssignment;
}

const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=/;
const WORD_END = new Set([' ', '\t', '\n', '\r', ';', '&', '|', '<', '>', '(', ')']);

interface Segment {
  quote: '"' | "'" | '';
  start: number;
  end: number;
}

/**
 * Parses /etc/default/grub (a file `grub-mkconfig` sources with /bin/sh), e.g.
 * `GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M"`. Reads every `NAME=value` line (so a multi-line value
 * of another variable is not misread) and keeps the Xen command line variables. Pure; an unterminated
 * quote is a ParseError (the shell would reject the file too); anything else unusual is flagged.
 */
export function parseGrubDefault(text: string): GrubDefault {
  const assignments: ShellAssignment[] = [];
  let pos = 0;
  let line = 1;
  while (pos < text.length) {
    const lineEnd = endOfLine(text, pos);
    const match = ASSIGNMENT.exec(text.slice(pos, lineEnd));
    if (!match?.[1]) {
      pos = lineEnd + 1;
      line++;
      continue;
    }
    const name = match[1];
    const scanned = scanWord(text, pos + match[0].length, line);
    const after = text.slice(scanned.end, endOfLine(text, scanned.end)).trim();
    if (after !== '' && !after.startsWith('#')) {
      scanned.unusual ??= `more after the value: ${JSON.stringify(after.slice(0, 40))}`;
    }
    if ((XEN_CMDLINE_VARS as readonly string[]).includes(name)) {
      assignments.push(toAssignment(name as XenCmdlineVar, text, line, pos + match[0].length, scanned));
    }
    const consumed = text.slice(pos, scanned.end);
    line += countNewlines(consumed) + 1;
    pos = endOfLine(text, scanned.end) + 1;
  }
  const last = (name: XenCmdlineVar) => assignments.filter((a) => a.name === name).at(-1);
  const result: GrubDefault = { assignments };
  const xenDefault = last('GRUB_CMDLINE_XEN_DEFAULT');
  const xen = last('GRUB_CMDLINE_XEN');
  if (xenDefault) result.xenDefault = xenDefault;
  if (xen) result.xen = xen;
  return result;
}

/**
 * The options GRUB's default Xen entry boots with: GRUB_CMDLINE_XEN then GRUB_CMDLINE_XEN_DEFAULT, in the
 * order 20_linux_xen joins them (so a later option wins, as on Xen's own command line).
 */
export function configuredXenCommandLine(grub: GrubDefault): string {
  return [grub.xen?.value ?? '', grub.xenDefault?.value ?? ''].join(' ').trim();
}

interface Scanned {
  segments: Segment[];
  value: string;
  end: number;
  unusual?: string;
}

// Reads one shell word from `start`: quoted and unquoted runs until an unquoted blank or operator.
function scanWord(text: string, start: number, line: number): Scanned {
  const segments: Segment[] = [];
  let value = '';
  let unusual: string | undefined;
  let i = start;
  const flag = (why: string) => {
    unusual ??= why;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"' || c === "'") {
      const close = findClose(text, i + 1, c);
      if (close === -1) {
        throw ParseError.of(
          '/etc/default/grub',
          `a closing ${c} for the value on line ${line}`,
          text.slice(i),
        );
      }
      const inner = text.slice(i + 1, close);
      if (inner.includes('\n')) flag('the value spans several lines');
      if (c === '"' && /[$`]/.test(inner)) flag('the value expands a variable or command ($ or `)');
      if (c === '"' && inner.includes('\\')) flag('the value has a backslash escape');
      segments.push({ quote: c, start: i + 1, end: close });
      value += inner;
      i = close + 1;
      continue;
    }
    if (WORD_END.has(c)) break;
    if (c === '\\') {
      flag(text[i + 1] === '\n' ? 'a line continuation (\\ at the end of the line)' : 'a backslash escape');
      value += text[i + 1] === '\n' ? '' : (text[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (c === '$' || c === '`') flag('the value expands a variable or command ($ or `)');
    const previous = segments.at(-1);
    if (previous?.quote === '' && previous.end === i) previous.end = i + 1;
    else segments.push({ quote: '', start: i, end: i + 1 });
    value += c;
    i++;
  }
  if (segments.length > 1) flag('the value mixes quoted and unquoted parts');
  const scanned: Scanned = { segments, value, end: Math.min(i, text.length) };
  if (unusual) scanned.unusual = unusual;
  return scanned;
}

// The index of the closing quote; in double quotes a backslash escapes the next character.
function findClose(text: string, from: number, quote: '"' | "'"): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote === '"' && c === '\\') {
      i++;
      continue;
    }
    if (c === quote) return i;
  }
  return -1;
}

function toAssignment(
  name: XenCmdlineVar,
  text: string,
  line: number,
  valueBegin: number,
  scanned: Scanned,
): ShellAssignment {
  const [first] = scanned.segments;
  const last = scanned.segments.at(-1);
  const single = scanned.segments.length === 1 && first !== undefined;
  const assignment: ShellAssignment = {
    name,
    value: scanned.value,
    quote: single ? first.quote : '',
    line,
    valueStart: first?.start ?? valueBegin,
    valueEnd: last?.end ?? valueBegin,
  };
  if (scanned.unusual) assignment.unusual = scanned.unusual;
  // The replaceable range must hold exactly the value; otherwise it is for messages only.
  if (!scanned.unusual && text.slice(assignment.valueStart, assignment.valueEnd) !== scanned.value) {
    assignment.unusual = 'the value cannot be located verbatim';
  }
  return assignment;
}

function endOfLine(text: string, from: number): number {
  const nl = text.indexOf('\n', from);
  return nl === -1 ? text.length : nl;
}

function countNewlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === '\n') n++;
  return n;
}

/**
 * The Xen options /etc/default/grub configures (see configuredXenCommandLine), as parseCommandLine gives
 * them; undefined when there is no file or it cannot be parsed (a probe then simply does not compare).
 */
export function configuredXenOptions(text: string | undefined): Map<string, string> | undefined {
  if (text === undefined) return undefined;
  try {
    return parseCommandLine(configuredXenCommandLine(parseGrubDefault(text)));
  } catch (caught) {
    if (caught instanceof ParseError) return undefined;
    throw caught;
  }
}

/** One shell file grub-mkconfig sources: /etc/default/grub, then /etc/default/grub.d/*.cfg in name order. */
export interface GrubFile {
  path: string;
  text: string;
}

/** The Xen command line GRUB will build from all its files, and where each part of it lives. */
export interface EffectiveGrubXen {
  /** GRUB_CMDLINE_XEN then GRUB_CMDLINE_XEN_DEFAULT, each from the file whose assignment comes last. */
  commandLine: string;
  /** Where an edit takes effect: the file of the last GRUB_CMDLINE_XEN_DEFAULT (else of GRUB_CMDLINE_XEN). */
  editFile: string;
  /** The file each variable's winning assignment is in. */
  from: Partial<Record<XenCmdlineVar, string>>;
}

/**
 * Reads the Xen command line as grub-mkconfig sees it: it sources /etc/default/grub and then each
 * /etc/default/grub.d/*.cfg (Debian's xen-hypervisor-common ships grub.d/xen.cfg), so the last assignment
 * of each variable wins, wherever it is. `files` must be in that order. Throws ParseError as
 * parseGrubDefault does (naming the file).
 */
export function effectiveGrubXen(files: readonly GrubFile[]): EffectiveGrubXen {
  const winners: Partial<Record<XenCmdlineVar, { value: string; path: string }>> = {};
  for (const file of files) {
    let parsed: GrubDefault;
    try {
      parsed = parseGrubDefault(file.text);
    } catch (caught) {
      if (!(caught instanceof ParseError)) throw caught;
      throw new ParseError(file.path, caught.expected, caught.excerpt);
    }
    if (parsed.xenDefault)
      winners.GRUB_CMDLINE_XEN_DEFAULT = { value: parsed.xenDefault.value, path: file.path };
    if (parsed.xen) winners.GRUB_CMDLINE_XEN = { value: parsed.xen.value, path: file.path };
  }
  const from: Partial<Record<XenCmdlineVar, string>> = {};
  for (const name of XEN_CMDLINE_VARS) {
    const winner = winners[name];
    if (winner) from[name] = winner.path;
  }
  return {
    commandLine: [winners.GRUB_CMDLINE_XEN?.value ?? '', winners.GRUB_CMDLINE_XEN_DEFAULT?.value ?? '']
      .join(' ')
      .trim(),
    editFile: from.GRUB_CMDLINE_XEN_DEFAULT ?? from.GRUB_CMDLINE_XEN ?? files[0]?.path ?? '/etc/default/grub',
    from,
  };
}
