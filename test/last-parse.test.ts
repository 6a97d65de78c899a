import { describe, expect, it } from 'vitest';
import { lastParse, ParseError } from '../src/parsers/parse-error.js';

describe('lastParse', () => {
  const counting = () => {
    const texts: string[] = [];
    const parse = lastParse((text: string) => {
      texts.push(text);
      if (text === 'bad') throw ParseError.of('test', 'good text', text);
      return { length: text.length };
    });
    return { texts, parse };
  };

  it('parses the same text twice in a row once, and returns the same value', () => {
    const { texts, parse } = counting();
    const first = parse('CONFIG_XEN=y');
    // A copy built at run time: equal content, not the same string object.
    expect(parse(['CONFIG_XEN', 'y'].join('='))).toBe(first);
    expect(texts).toEqual(['CONFIG_XEN=y']);
  });

  it('parses again when the text changes, and forgets the older one', () => {
    const { texts, parse } = counting();
    parse('a');
    expect(parse('bb')).toEqual({ length: 2 });
    expect(parse('a')).toEqual({ length: 1 });
    expect(texts).toEqual(['a', 'bb', 'a']);
  });

  it('does not remember a text that failed to parse', () => {
    const { texts, parse } = counting();
    parse('a');
    expect(() => parse('bad')).toThrow(ParseError);
    expect(() => parse('bad')).toThrow(ParseError);
    expect(parse('a')).toEqual({ length: 1 });
    expect(texts).toEqual(['a', 'bad', 'bad']);
  });
});
