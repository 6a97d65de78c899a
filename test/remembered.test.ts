import { describe, expect, it } from 'vitest';
import { ParseError } from '../src/parsers/parse-error.js';
import { remembered } from '../src/remembered.js';

describe('remembered', () => {
  const counting = () => {
    const texts: string[] = [];
    // One value remembered, as the kernel-config probe uses it.
    const parse = remembered((text: string) => {
      texts.push(text);
      if (text === 'bad') throw ParseError.of('test', 'good text', text);
      return { length: text.length };
    }, 1);
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

  it('remembers at most the given number of values', () => {
    const computed: string[] = [];
    const lengthOf = remembered((header: string) => {
      computed.push(header);
      return header.length;
    }, 3);
    for (const header of ['a', 'bb', 'a', 'ccc', 'a']) lengthOf(header);
    expect(computed).toEqual(['a', 'bb', 'ccc']);
    lengthOf('dddd'); // a fourth value: all are forgotten
    expect(lengthOf('a')).toBe(1);
    expect(computed).toEqual(['a', 'bb', 'ccc', 'dddd', 'a']);
  });
});
