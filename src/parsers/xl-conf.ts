import { lines, ParseError } from './parse-error.js';

/** One `key = value` setting of /etc/xen/xl.conf. */
export interface XlConfSetting {
  /** The value without its quotes ("auto" for `autoballoon="auto"`); a list is kept as written ("[...]"). */
  value: string;
  /** 1-based line number. */
  line: number;
}

export interface XlConf {
  /** Active settings by key (the last one wins, as in xl). Keys may hold dots: "vif.default.bridge". */
  settings: Map<string, XlConfSetting>;
  /** Keys that appear only commented out (`#autoballoon="auto"`), with the line of the last such line. */
  commented: Map<string, number>;
}

const KEY = /^([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*/;
const COMMENTED = /^#+\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=/;

/**
 * Parses /etc/xen/xl.conf (libxlu's config syntax): `key = value` per line, values "double" or 'single'
 * quoted, bare numbers or words, or a [list] (which may span lines); `#` starts a comment; a `;` may end a
 * setting. E.g. `autoballoon="off"`. Throws ParseError on a line that is none of these.
 */
export function parseXlConf(text: string): XlConf {
  const settings = new Map<string, XlConfSetting>();
  const commented = new Map<string, number>();
  const all = lines(text);
  for (let index = 0; index < all.length; index++) {
    const raw = all[index] as string;
    const trimmed = raw.trim();
    const lineNo = index + 1;
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const key = COMMENTED.exec(trimmed)?.[1];
      if (key) commented.set(key, lineNo);
      continue;
    }
    const key = KEY.exec(trimmed);
    if (!key?.[1]) throw ParseError.of('/etc/xen/xl.conf', `a "key = value" line (line ${lineNo})`, raw);
    let rest = trimmed.slice(key[0].length);
    let value: string;
    if (rest.startsWith('"') || rest.startsWith("'")) {
      const quote = rest[0] as '"' | "'";
      const close = closingQuote(rest, quote);
      if (close === -1) throw ParseError.of('/etc/xen/xl.conf', `a closing ${quote} on line ${lineNo}`, raw);
      value = unquote(rest.slice(1, close), quote);
      rest = rest.slice(close + 1);
    } else if (rest.startsWith('[')) {
      // A list: read on until the line that closes it (testing each new line only: searching the whole
      // growing list again on every line would be quadratic on an unclosed list).
      let list = rest;
      let closed = rest.includes(']');
      while (!closed && index + 1 < all.length) {
        const next = all[++index] as string;
        list += `\n${next}`;
        closed = next.includes(']');
      }
      const close = list.indexOf(']');
      if (close === -1) throw ParseError.of('/etc/xen/xl.conf', `a closing ] for line ${lineNo}`, raw);
      value = list.slice(0, close + 1);
      rest = list.slice(close + 1);
    } else {
      const word = /^[^\s;#]+/.exec(rest)?.[0];
      if (word === undefined) throw ParseError.of('/etc/xen/xl.conf', `a value on line ${lineNo}`, raw);
      value = word;
      rest = rest.slice(word.length);
    }
    const tail = rest.trim().replace(/^;/, '').trim();
    if (tail !== '' && !tail.startsWith('#')) {
      throw ParseError.of('/etc/xen/xl.conf', `nothing after the value on line ${lineNo}`, raw);
    }
    settings.set(key[1], { value, line: lineNo });
    commented.delete(key[1]);
  }
  for (const key of settings.keys()) commented.delete(key);
  return { settings, commented };
}

function closingQuote(text: string, quote: '"' | "'"): number {
  for (let i = 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

function unquote(inner: string, quote: '"' | "'"): string {
  return quote === '"' ? inner.replace(/\\(.)/g, '$1') : inner;
}
