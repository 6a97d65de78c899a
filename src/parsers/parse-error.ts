// What every parser shares: ParseError, the only thing a parser throws on bad input (what was expected,
// and an excerpt of what came); splitting lines; remembering the last parse.

const EXCERPT_CHARS = 120;

export class ParseError extends Error {
  constructor(
    /** What was being parsed, e.g. "xl info". */
    readonly source: string,
    /** What was expected and not found. */
    readonly expected: string,
    /** The offending text, cut short for messages. */
    readonly excerpt: string,
  ) {
    super(`${source}: ${expected}${excerpt ? ` (got: ${JSON.stringify(excerpt)})` : ' (got empty input)'}`);
    this.name = 'ParseError';
  }

  static of(source: string, expected: string, text: string): ParseError {
    return new ParseError(source, expected, excerpt(text));
  }
}

/** The first line(s) of text, at most EXCERPT_CHARS characters: enough to recognise, never a flood. */
export function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > EXCERPT_CHARS ? `${trimmed.slice(0, EXCERPT_CHARS)}…` : trimmed;
}

/** Splits text into lines, accepting CRLF. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/);
}

/**
 * Wraps a pure parser so that the same text twice in a row is parsed once: the daemon reads some large
 * files every cycle that change only across a reboot (the kernel config, ~260 KB), and parsing them again
 * was ~8% of what a cycle allocates (docs/performance.md). The result is shared: callers must not
 * change it. A parse that throws is not remembered.
 */
export function lastParse<T>(parse: (text: string) => T): (text: string) => T {
  let last: { text: string; value: T } | undefined;
  return (text) => {
    if (last?.text === text) return last.value;
    const value = parse(text);
    last = { text, value };
    return value;
  };
}
