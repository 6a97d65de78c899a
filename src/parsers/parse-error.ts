// Every parser throws this and only this on bad input: what was expected, and an excerpt of what came.

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
