// Word wrapping for the text report and --help: pure, no terminal knowledge (src/terminal.ts has that).

/**
 * Splits `text` into lines of at most `width` characters at spaces. A word longer than the width (a path,
 * a URL) stays whole on its own line: broken, it could no longer be copied. Width 0 or less: one line.
 */
export function wrap(text: string, width: number): string[] {
  if (width <= 0 || text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}

/** Wraps `text` to `width` with `first` before the first line and `indent` before the others. */
export function wrapIndented(text: string, width: number, first: string, indent: string): string[] {
  if (width <= 0) return [`${first}${text}`];
  const [head = '', ...tail] = wrap(text, Math.max(1, width - first.length));
  const rest = tail.join(' ');
  const more = rest === '' ? [] : wrap(rest, Math.max(1, width - indent.length));
  return [`${first}${head}`, ...more.map((line) => `${indent}${line}`)];
}
