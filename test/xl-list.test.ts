import { describe, expect, it } from 'vitest';
import { ParseError } from '../src/parsers/parse-error.js';
import { parseXlList, stateFlags } from '../src/parsers/xl-list.js';
import { parseXlListJson, xlBool } from '../src/parsers/xl-list-json.js';
import { reply } from './helpers.js';

describe('parseXlList', () => {
  it('reads the real two-domain list (tabs in the header)', () => {
    expect(parseXlList(reply('dom0-domu-credit2', 'xl list'))).toEqual([
      { name: 'Domain-0', domid: 0, memMiB: 1024, vcpus: 2, state: 'r-----', cpuSeconds: 113.8 },
      { name: 'tiny', domid: 1, memMiB: 96, vcpus: 1, state: '-b----', cpuSeconds: 3.7 },
    ]);
  });
  it('reads every shutdown-reason letter xl prints ("-rscwS", "?")', () => {
    const text = reply('made-up-domains-troubled', 'xl list');
    expect(parseXlList(text).map((d) => d.state)).toEqual([
      'r-----',
      '---sc-',
      '--p---',
      '------',
      '-----d',
      '---sw-',
    ]);
    const header = text.split('\n')[0] ?? '';
    expect(parseXlList(`${header}\nx  5  96  1     ---s?-      1.0\n`)[0]?.state).toBe('---s?-');
  });
  it('names the flags by position', () => {
    expect(stateFlags('---sc-')).toEqual(['shutdown', 'crashed']);
    expect(stateFlags('--p---')).toEqual(['paused']);
    expect(stateFlags('------')).toEqual([]);
  });
  it('throws ParseError on empty, truncated and garbage input', () => {
    const real = reply('dom0-domu-credit2', 'xl list');
    expect(() => parseXlList('')).toThrow(ParseError);
    expect(() => parseXlList(real.slice(0, real.indexOf('tiny') + 20))).toThrow(ParseError);
    expect(() => parseXlList('\u0000garbage\nmore')).toThrow(ParseError);
  });
});

describe('parseXlListJson', () => {
  it('reads the real dom0 + domU JSON: top-level domid, not c_info.domid 4294967295', () => {
    const domains = parseXlListJson(reply('dom0-domu-credit2', 'xl list -l'));
    expect(domains).toEqual([
      { domid: 0, name: 'Domain-0', type: 'pv', maxMemKb: 1048576, targetMemKb: 1048575 },
      {
        domid: 1,
        name: 'tiny',
        type: 'pv',
        uuid: 'd1e78393-c25d-4b9a-957c-3c39fbdde65d',
        maxMemKb: 98304,
        targetMemKb: 98304,
        maxVcpus: 1,
        onCrash: 'preserve',
        onReboot: 'restart',
      },
    ]);
  });
  it('reads booleans printed as strings', () => {
    expect([xlBool('True'), xlBool('False'), xlBool(true), xlBool('yes')]).toEqual([
      true,
      false,
      true,
      undefined,
    ]);
  });
  it('treats libxl\u2019s all-ones max_grant_frames as unset', () => {
    const entry = (frames: number) =>
      `[{"domid": 2, "config": {"c_info": {"name": "a"}, "b_info": {"max_grant_frames": ${frames}}}}]`;
    expect(parseXlListJson(entry(4294967295))[0]?.maxGrantFrames).toBeUndefined();
    expect(parseXlListJson(entry(128))[0]?.maxGrantFrames).toBe(128);
  });
  it('throws ParseError on empty, truncated and garbage input, and on entries without a name or domid', () => {
    const real = reply('dom0-domu-credit2', 'xl list -l');
    for (const bad of [
      '',
      real.slice(0, 200),
      'garbage',
      '{"domid": 0}',
      '[{"domid": 0, "config": {"c_info": {}}}]',
      '[{"domid": "0", "config": {"c_info": {"name": "x"}}}]',
      '[{"domid": 4294967295, "config": {"c_info": {"name": "x"}}}]',
      '[null]',
    ]) {
      expect(() => parseXlListJson(bad), bad).toThrow(ParseError);
    }
  });
});
