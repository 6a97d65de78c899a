import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ensureLine } from '../src/fix/edits/ensure-line.js';
import { applyEdit, EditError } from '../src/fix/edits/index.js';
import { setShellVar } from '../src/fix/edits/shell-var.js';
import { unifiedDiff } from '../src/fix/edits/unified-diff.js';
import { mountXenfs, XENFS_FSTAB_LINE } from '../src/remedies/mount-xenfs.js';
import { FIXTURES } from './helpers.js';

const file = (name: string) => readFileSync(path.join(FIXTURES, 'files', name), 'utf8');
const xlConf = file('debian-bookworm/xl.conf');
const XL = '/etc/xen/xl.conf';

describe('setShellVar on the real Debian /etc/xen/xl.conf', () => {
  it('uncomments the documented example in place', () => {
    const { text, notes } = setShellVar(xlConf, 'autoballoon', 'off', XL);
    expect(text).toBe(xlConf.replace('#autoballoon="auto"\n', 'autoballoon="off"\n'));
    expect(notes).toEqual(['uncommented autoballoon on line 10']);
  });
  it('is idempotent and replaces a live value', () => {
    const once = setShellVar(xlConf, 'autoballoon', 'off', XL).text;
    expect(setShellVar(once, 'autoballoon', 'off', XL).text).toBe(once);
    expect(setShellVar(once, 'autoballoon', 'auto', XL).text).toBe(
      xlConf.replace('#autoballoon="auto"\n', 'autoballoon="auto"\n'),
    );
  });
  it('keeps an unquoted equal value, spacing, ";" and a trailing comment', () => {
    expect(setShellVar('autoballoon = off ; # no\n', 'autoballoon', 'off', XL).text).toBe(
      'autoballoon = off ; # no\n',
    );
    expect(setShellVar('autoballoon = 1 # mine\n', 'autoballoon', 'off', XL).text).toBe(
      'autoballoon = "off" # mine\n',
    );
  });
  it('writes numbers unquoted, sets every live assignment, and appends when the name is absent', () => {
    expect(setShellVar('claim_mode=0\nx=1\nclaim_mode="0"', 'claim_mode', '1', XL).text).toBe(
      'claim_mode=1\nx=1\nclaim_mode=1',
    );
    expect(setShellVar('x=1', 'vif.default.bridge', 'xenbr0', XL)).toEqual({
      text: 'x=1\nvif.default.bridge="xenbr0"\n',
      notes: ['appended vif.default.bridge (the file did not mention it)'],
    });
  });
  it.each([
    ['a continuation', 'autoballoon="a" \\\n'],
    ['a list over lines', 'autoballoon=[ "a",\n'],
    ['an expansion', 'autoballoon="$X"\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => setShellVar(text, 'autoballoon', 'off', XL)).toThrow(EditError);
    expect(() => setShellVar(text, 'autoballoon', 'off', XL)).toThrow(/\/etc\/xen\/xl.conf: line 1/);
  });
  it('refuses a value that would need escaping', () => {
    expect(() => setShellVar(xlConf, 'autoballoon', 'a"b', XL)).toThrow(/refusing to set/);
  });
  it('applying twice equals applying once (property)', () => {
    const name = fc.constantFrom('autoballoon', 'lockfile', 'vif.default.bridge', 'claim_mode');
    const val = fc.stringMatching(/^[a-z0-9/]{0,6}$/);
    fc.assert(
      fc.property(
        fc.constantFrom(xlConf, '', 'autoballoon=1', '# autoballoon="auto"\r\n'),
        name,
        val,
        (text, n, v) => {
          const once = setShellVar(text, n, v, XL).text;
          expect(setShellVar(once, n, v, XL).text).toBe(once);
        },
      ),
    );
  });
});

describe('ensureLine with the mount-xenfs remedy', () => {
  const edit = mountXenfs().files[0]?.edit;
  if (edit?.kind !== 'ensure-line') throw new Error('mount-xenfs has no ensure-line edit');
  const fstab = file('gentoo/fstab');
  it('appends the xenfs line to an fstab without one (made-up Gentoo fstab)', () => {
    expect(ensureLine(fstab, edit.line, edit.present, '/etc/fstab').text).toBe(
      `${fstab}${XENFS_FSTAB_LINE}\n`,
    );
  });
  it('leaves an fstab that already mounts xenfs alone, whatever its spacing', () => {
    const has = `${fstab}none\t/proc/xen\txenfs\tdefaults\t0 0\n`;
    expect(ensureLine(has, edit.line, edit.present, '/etc/fstab').text).toBe(has);
    const commented = `${fstab}#xenfs /proc/xen xenfs defaults 0 0\n`;
    expect(ensureLine(commented, edit.line, edit.present, '/etc/fstab').text).toBe(
      `${commented}${XENFS_FSTAB_LINE}\n`,
    );
  });
  it('ends an unterminated last line before appending', () => {
    expect(ensureLine('/dev/sda1 / ext4 defaults 0 1', 'x y', '^x ', '/etc/fstab').text).toBe(
      '/dev/sda1 / ext4 defaults 0 1\nx y\n',
    );
  });
  it('refuses a remedy whose line does not match its own pattern (it would be appended on every run)', () => {
    expect(() => ensureLine('', 'xenfs /proc/xen', '^none', '/etc/fstab')).toThrow(
      /does not match its own pattern/,
    );
    expect(() => ensureLine('', 'x', '(', '/etc/fstab')).toThrow(/not a valid regular expression/);
  });
});

describe('applyEdit', () => {
  it('creates only files xendoctor owns (write-file); a missing distribution file is an error', () => {
    expect(applyEdit('/etc/sysctl.d/x.conf', undefined, { kind: 'write-file', content: 'a\n' })).toEqual({
      text: 'a\n',
      notes: ['new file'],
    });
    expect(() => applyEdit(XL, undefined, { kind: 'shell-var', name: 'autoballoon', value: 'off' })).toThrow(
      '/etc/xen/xl.conf: no such file; nothing was changed',
    );
  });
});

// Applies a unified diff to a text, strictly: every context and removed line must match.
function patch(before: string, diff: string): string {
  if (diff === '') return before;
  const old = before === '' ? [] : before.split(/(?<=\n)/);
  const out: string[] = [];
  let at = 0;
  const lines = diff.split('\n').slice(2, -1);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(line);
    if (hunk) {
      const start = Number(hunk[1]) - (hunk[2] === '0' ? 0 : 1);
      while (at < start) out.push(old[at++] as string);
      continue;
    }
    const noEol = lines[i + 1] === '\\ No newline at end of file';
    const body = line.slice(1) + (noEol ? '' : '\n');
    if (line.startsWith(' ') || line.startsWith('-')) {
      expect(old[at]).toBe(body);
      at++;
      if (line.startsWith(' ')) out.push(body);
    } else if (line.startsWith('+')) out.push(body);
    if (noEol) i++;
  }
  while (at < old.length) out.push(old[at++] as string);
  return out.join('');
}

describe('unifiedDiff', () => {
  it('prints what diff -u prints for the gnttab edit of the real grub file', () => {
    const before = file('debian-bookworm/grub');
    const after = before.replace('max:1024M"', 'max:1024M gnttab_max_frames=256"');
    expect(unifiedDiff(before, after, { from: 'a/etc/default/grub', to: 'b/etc/default/grub' })).toBe(
      [
        '--- a/etc/default/grub',
        '+++ b/etc/default/grub',
        '@@ -39,4 +39,4 @@',
        ' #GRUB_INIT_TUNE="480 440 1"',
        ' ',
        ' # Xen hypervisor and dom0 settings',
        '-GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M"',
        '+GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M gnttab_max_frames=256"',
        '',
      ].join('\n'),
    );
  });
  it('is empty for equal texts and handles new files and missing final newlines', () => {
    expect(unifiedDiff('a\n', 'a\n', { from: 'a', to: 'b' })).toBe('');
    expect(unifiedDiff('', 'x\n', { from: '/dev/null', to: 'b/x' })).toBe(
      '--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+x\n',
    );
    expect(unifiedDiff('x', 'x\n', { from: 'a', to: 'b' })).toBe(
      '--- a\n+++ b\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n',
    );
  });
  it('patching the old text with the diff gives the new text (property)', () => {
    const text = fc
      .array(fc.constantFrom('a', 'b', 'c', 'GRUB=1', ''), { maxLength: 30 })
      .chain((lines) => fc.boolean().map((eol) => lines.join('\n') + (eol && lines.length > 0 ? '\n' : '')));
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 4 }), (a, b, context) => {
        expect(patch(a, unifiedDiff(a, b, { from: 'a/f', to: 'b/f', context }))).toBe(b);
      }),
      { numRuns: 500 },
    );
  });
});
