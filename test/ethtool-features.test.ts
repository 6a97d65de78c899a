import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { offloadState, parseEthtoolFeatures } from '../src/parsers/ethtool-features.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { reply } from './helpers.js';

const REAL = 'dom0-domu-credit2';

describe('parseEthtoolFeatures', () => {
  it('reads a real vif (ethtool 6.1): groups, sub-features and [fixed]', () => {
    const parsed = parseEthtoolFeatures(reply(REAL, 'ethtool -k vif1.0'));
    expect(parsed.device).toBe('vif1.0');
    expect(parsed.features.size).toBe(65);
    expect(parsed.features.get('tcp-segmentation-offload')).toEqual({
      on: true,
      fixed: false,
      parts: [
        'tx-tcp-segmentation',
        'tx-tcp-ecn-segmentation',
        'tx-tcp-mangleid-segmentation',
        'tx-tcp6-segmentation',
      ],
    });
    expect(parsed.features.get('tx-tcp-ecn-segmentation')).toEqual({
      on: false,
      fixed: true,
      parent: 'tcp-segmentation-offload',
      parts: [],
    });
    expect(parsed.features.get('rx-checksumming')).toMatchObject({ on: true, fixed: true });
    expect(parsed.features.get('hsr-dup-offload')).toMatchObject({ on: false, fixed: true });
  });

  it('reads "[requested on]" on a real bridge', () => {
    const parsed = parseEthtoolFeatures(reply(REAL, 'ethtool -k xenbr0'));
    expect(parsed.device).toBe('xenbr0');
    expect(parsed.features.get('tx-gso-robust')).toEqual({
      on: false,
      fixed: false,
      requested: 'on',
      parts: [],
    });
  });

  it('agrees with the real `ethtool --json -k` on gso/tso/sg/gro for every real device', () => {
    // Values from the same capture's JSON ("active"): everything on, nothing fixed.
    for (const dev of ['xenbr0', 'dummy0', 'vif1.0']) {
      const parsed = parseEthtoolFeatures(reply(REAL, `ethtool -k ${dev}`));
      for (const name of [
        'generic-segmentation-offload',
        'tcp-segmentation-offload',
        'scatter-gather',
        'generic-receive-offload',
      ]) {
        expect(offloadState(parsed, name), `${dev} ${name}`).toBe('on');
      }
    }
  });

  it('accepts CRLF, trailing blanks, space indentation and the older ioctl form of a fixed group', () => {
    const parsed = parseEthtoolFeatures(
      'Features for eth0:\r\ntcp-segmentation-offload: on [fixed]\r\n    tx-tcp-segmentation: on [fixed]\r\n' +
        'generic-receive-offload: on \r\ngeneric-segmentation-offload: off [requested on]\r\n\r\n',
    );
    expect(parsed.device).toBe('eth0');
    expect(offloadState(parsed, 'tcp-segmentation-offload')).toBe('on-fixed');
    expect(offloadState(parsed, 'generic-receive-offload')).toBe('on');
    expect(offloadState(parsed, 'generic-segmentation-offload')).toBe('off');
    expect(offloadState(parsed, 'scatter-gather')).toBeUndefined();
  });

  it('throws ParseError on empty input and on a header alone', () => {
    expect(() => parseEthtoolFeatures('')).toThrow(ParseError);
    expect(() => parseEthtoolFeatures('\n\n')).toThrow(/"Features for <dev>:" header/);
    expect(() => parseEthtoolFeatures('Features for eth0:\n')).toThrow(/at least one/);
  });

  it('throws ParseError quoting the line on output cut mid-line', () => {
    const real = reply(REAL, 'ethtool -k dummy0');
    const cut = real.slice(0, real.indexOf('[fixed]', 80) + 4);
    expect(() => parseEthtoolFeatures(cut)).toThrow(ParseError);
    expect(() => parseEthtoolFeatures(cut)).toThrow(/\[fix"\)$/);
  });

  it('throws ParseError on garbage, other commands and a sub-feature with no group', () => {
    expect(() => parseEthtoolFeatures('\u0000\u007fELF\u0002 garbage')).toThrow(ParseError);
    expect(() => parseEthtoolFeatures(reply(REAL, 'xl info'))).toThrow(ParseError);
    expect(() => parseEthtoolFeatures('Features for eth0:\nhighdma: maybe\n')).toThrow(/on\|off/);
    expect(() => parseEthtoolFeatures('Features for eth0:\n\ttx-tcp-segmentation: on\n')).toThrow(
      /before the first sub-feature/,
    );
  });

  it('throws nothing but ParseError on any input', () => {
    const real = reply(REAL, 'ethtool -k vif1.0');
    fc.assert(
      fc.property(fc.string(), fc.nat(real.length), (noise, cut) => {
        for (const text of [noise, real.slice(0, cut) + noise]) {
          try {
            parseEthtoolFeatures(text);
          } catch (caught) {
            if (!(caught instanceof ParseError)) throw caught;
          }
        }
      }),
    );
  });
});

describe('offloadState', () => {
  const parsed = parseEthtoolFeatures(
    [
      'Features for vif9.0:',
      'scatter-gather: on',
      '\ttx-scatter-gather: on',
      '\ttx-scatter-gather-fraglist: off [fixed]',
      'tcp-segmentation-offload: on',
      '\ttx-tcp-segmentation: on [fixed]',
      '\ttx-tcp6-segmentation: on',
      'generic-segmentation-offload: on [fixed]',
      'generic-receive-offload: off',
    ].join('\n'),
  );
  it('an off [fixed] part does not pin a group on', () => {
    expect(offloadState(parsed, 'scatter-gather')).toBe('on');
  });
  it('an on [fixed] part keeps its group on: it cannot be turned off', () => {
    expect(offloadState(parsed, 'tcp-segmentation-offload')).toBe('on-fixed');
  });
  it('reads single features directly', () => {
    expect(offloadState(parsed, 'generic-segmentation-offload')).toBe('on-fixed');
    expect(offloadState(parsed, 'generic-receive-offload')).toBe('off');
    expect(offloadState(parsed, 'large-receive-offload')).toBeUndefined();
  });
});
