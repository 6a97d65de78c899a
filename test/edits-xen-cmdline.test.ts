import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EditError } from '../src/fix/edits/edit-error.js';
import { menuLstInstructions } from '../src/fix/edits/menu-lst.js';
import { readXenCmdline, setXenCmdline } from '../src/fix/edits/xen-cmdline.js';
import { FIXTURES } from './helpers.js';

const file = (name: string) => readFileSync(path.join(FIXTURES, 'files', name), 'utf8');
const debian = file('debian-bookworm/grub');
const gentoo = file('gentoo/grub');

describe('setXenCmdline on the real Debian /etc/default/grub', () => {
  it('adds options to GRUB_CMDLINE_XEN_DEFAULT and changes nothing else', () => {
    const { text, notes } = setXenCmdline(debian, { gnttab_max_frames: '256', sched: 'credit' });
    expect(text).toBe(
      debian.replace(
        'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M"',
        'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1024M,max:1024M gnttab_max_frames=256 sched=credit"',
      ),
    );
    expect(notes).toEqual([]);
    // The backquoted GRUB_DISTRIBUTOR line is untouched (and did not make the edit refuse).
    expect(text).toContain('GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`');
  });

  it('replaces an existing value instead of adding a second one', () => {
    const once = setXenCmdline(debian, { gnttab_max_frames: '64' }).text;
    const twice = setXenCmdline(once, { gnttab_max_frames: '256' }).text;
    expect(readXenCmdline(twice)).toBe('dom0_mem=1024M,max:1024M gnttab_max_frames=256');
    expect(twice.match(/gnttab_max_frames/g)).toHaveLength(1);
    expect(setXenCmdline(debian, { dom0_mem: '2048M,max:2048M' }).text).toContain(
      'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=2048M,max:2048M"\n',
    );
  });

  it('returns the same text when the options are already set (idempotent)', () => {
    const once = setXenCmdline(debian, { sched: 'credit' }).text;
    const again = setXenCmdline(once, { sched: 'credit' });
    expect(again.text).toBe(once);
    expect(again.notes).toEqual([]);
  });

  it('treats "-" and "_" in option names as Xen does', () => {
    const text = setXenCmdline('GRUB_CMDLINE_XEN_DEFAULT="gnttab-max-frames=32"\n', {
      gnttab_max_frames: '256',
    }).text;
    expect(text).toBe('GRUB_CMDLINE_XEN_DEFAULT="gnttab_max_frames=256"\n');
  });

  it('sets a bare flag with an empty value', () => {
    expect(setXenCmdline('GRUB_CMDLINE_XEN_DEFAULT=""\n', { noreboot: '' }).text).toBe(
      'GRUB_CMDLINE_XEN_DEFAULT="noreboot"\n',
    );
  });
});

describe('setXenCmdline on a Gentoo-style file with only GRUB_CMDLINE_XEN (made up)', () => {
  it('replaces gnttab_max_frames=64 in place, keeping the single quotes and the double space', () => {
    const { text, notes } = setXenCmdline(gentoo, { gnttab_max_frames: '256' });
    expect(text).toBe(gentoo.replace('gnttab_max_frames=64  console', 'gnttab_max_frames=256  console'));
    expect(notes).toEqual([]);
  });
  it('adds a new option to GRUB_CMDLINE_XEN and says so', () => {
    const { text, notes } = setXenCmdline(gentoo, { sched: 'credit' });
    expect(text).toContain(
      "GRUB_CMDLINE_XEN='dom0_mem=2048M,max:2048M dom0_max_vcpus=2 gnttab_max_frames=64  console=vga sched=credit'\n",
    );
    expect(text).not.toContain('GRUB_CMDLINE_XEN_DEFAULT');
    expect(notes[0]).toMatch(/no GRUB_CMDLINE_XEN_DEFAULT/);
  });
});

describe('setXenCmdline edge cases', () => {
  it('adds a GRUB_CMDLINE_XEN_DEFAULT line when the file has none', () => {
    const text = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet"';
    const edited = setXenCmdline(text, { sched: 'credit' });
    expect(edited.text).toBe(
      'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet"\nGRUB_CMDLINE_XEN_DEFAULT="sched=credit"\n',
    );
    expect(edited.notes[0]).toMatch(/added a GRUB_CMDLINE_XEN_DEFAULT line/);
    expect(setXenCmdline('', { sched: 'credit' }).text).toBe('GRUB_CMDLINE_XEN_DEFAULT="sched=credit"\n');
  });
  it('ignores commented-out assignments', () => {
    const text = '#GRUB_CMDLINE_XEN_DEFAULT="sched=credit2"\n';
    expect(setXenCmdline(text, { sched: 'credit' }).text).toBe(
      `${text}GRUB_CMDLINE_XEN_DEFAULT="sched=credit"\n`,
    );
  });
  it('edits the last of several assignments (the one the shell keeps)', () => {
    const text = 'GRUB_CMDLINE_XEN_DEFAULT="a=1"\nGRUB_CMDLINE_XEN_DEFAULT="b=2"\n';
    expect(setXenCmdline(text, { c: '3' }).text).toBe(
      'GRUB_CMDLINE_XEN_DEFAULT="a=1"\nGRUB_CMDLINE_XEN_DEFAULT="b=2 c=3"\n',
    );
  });
  it('replaces an option in both variables when both have it', () => {
    const text = 'GRUB_CMDLINE_XEN="sched=credit2"\nGRUB_CMDLINE_XEN_DEFAULT="sched=credit2 x"\n';
    expect(setXenCmdline(text, { sched: 'credit' }).text).toBe(
      'GRUB_CMDLINE_XEN="sched=credit"\nGRUB_CMDLINE_XEN_DEFAULT="sched=credit x"\n',
    );
  });
  it('keeps a trailing comment, indentation, export and CRLF line endings', () => {
    expect(setXenCmdline('  export GRUB_CMDLINE_XEN_DEFAULT="a" # mine\r\nX=1\r\n', { b: '2' }).text).toBe(
      '  export GRUB_CMDLINE_XEN_DEFAULT="a b=2" # mine\r\nX=1\r\n',
    );
  });
  it('quotes an unquoted value once it holds two options', () => {
    expect(setXenCmdline('GRUB_CMDLINE_XEN_DEFAULT=noreboot\n', { sched: 'credit' }).text).toBe(
      'GRUB_CMDLINE_XEN_DEFAULT="noreboot sched=credit"\n',
    );
  });
  it.each([
    ['a line continuation', 'GRUB_CMDLINE_XEN_DEFAULT="a \\\n b"\n', /continues on the next line/],
    ['a value over two lines', 'GRUB_CMDLINE_XEN_DEFAULT="a\nb"\n', /no closing "/],
    ['a variable expansion', 'GRUB_CMDLINE_XEN_DEFAULT="$GRUB_CMDLINE_XEN_DEFAULT a"\n', /shell expansion/],
    ['command substitution', 'GRUB_CMDLINE_XEN_DEFAULT="$(cat /etc/xen-opts)"\n', /shell expansion/],
    ['backquotes', 'GRUB_CMDLINE_XEN_DEFAULT=`cat /etc/xen-opts`\n', /unquoted value with shell syntax/],
    ['concatenated quotes', 'GRUB_CMDLINE_XEN_DEFAULT="a"\'b\'\n', /unusual quoting/],
    ['+=', 'GRUB_CMDLINE_XEN_DEFAULT+=" b"\n', /not a plain NAME=/],
    ['a conditional', '[ -e /x ] && GRUB_CMDLINE_XEN="a"\n', /not a plain NAME=/],
  ])('refuses %s with a message naming the line', (_what, text, message) => {
    expect(() => setXenCmdline(text, { sched: 'credit' })).toThrow(EditError);
    expect(() => setXenCmdline(text, { sched: 'credit' })).toThrow(message);
    expect(() => setXenCmdline(text, { sched: 'credit' })).toThrow(/\/etc\/default\/grub: line 1/);
  });
  it('refuses option names or values that would need quoting', () => {
    expect(() => setXenCmdline(debian, { 'a b': '1' })).toThrow(/refusing to set/);
    expect(() => setXenCmdline(debian, { a: '"; reboot; "' })).toThrow(/refusing to set/);
  });
  it('leaves GRUB_CMDLINE_XEN_DEFAULT_OLD-like names alone', () => {
    const text = 'GRUB_CMDLINE_XEN_DEFAULT_OLD="$(x)"\n';
    expect(setXenCmdline(text, { a: '1' }).text).toBe(`${text}GRUB_CMDLINE_XEN_DEFAULT="a=1"\n`);
  });
});

describe('setXenCmdline properties', () => {
  const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
  const value = fc.stringMatching(/^[A-Za-z0-9,:.]{0,6}$/);
  const options = fc.dictionary(word, value, { minKeys: 1, maxKeys: 4 });
  const existing = fc.array(fc.tuple(word, value), { maxLength: 5 });
  const file = fc
    .tuple(existing, fc.constantFrom('"', "'", ''), fc.constantFrom(debian, gentoo, 'GRUB_DEFAULT=0\n', ''))
    .map(([opts, quote, base]) => {
      const words = opts.map(([k, v]) => (v === '' ? k : `${k}=${v}`));
      const q = quote === '' && words.length > 1 ? '"' : quote;
      return (
        base.replace(/^GRUB_CMDLINE_XEN(_DEFAULT)?=.*$/m, '') +
        `GRUB_CMDLINE_XEN_DEFAULT=${q}${words.join(' ')}${q}\n`
      );
    });

  it('applying twice gives the same text as applying once', () => {
    fc.assert(
      fc.property(file, options, (text, set) => {
        const once = setXenCmdline(text, set).text;
        expect(setXenCmdline(once, set).text).toBe(once);
      }),
    );
  });
  it('every option ends up with its value exactly once, and no other option is lost', () => {
    fc.assert(
      fc.property(file, options, (text, set) => {
        const before = readXenCmdline(text).split(/\s+/).filter(Boolean);
        const after = readXenCmdline(setXenCmdline(text, set).text).split(/\s+/).filter(Boolean);
        for (const [k, v] of Object.entries(set)) {
          const matching = after.filter((w) => (w.split('=')[0] ?? w).replace(/-/g, '_') === k);
          expect(matching.length).toBeGreaterThan(0);
          for (const w of matching) expect(w).toBe(v === '' ? k : `${k}=${v}`);
        }
        const untouched = (w: string) => !Object.hasOwn(set, (w.split('=')[0] ?? w).replace(/-/g, '_'));
        expect(after.filter(untouched)).toEqual(before.filter(untouched));
      }),
    );
  });
  it('only the Xen command line changes: every other line is kept byte for byte', () => {
    fc.assert(
      fc.property(file, options, (text, set) => {
        const keep = (t: string) => t.split('\n').filter((l) => !/^GRUB_CMDLINE_XEN/.test(l) && l !== '');
        expect(keep(setXenCmdline(text, set).text)).toEqual(keep(text));
      }),
    );
  });
});

describe('menuLstInstructions (GRUB legacy, made up)', () => {
  it('names every Xen kernel line and what to add, and nothing else', () => {
    const lines = menuLstInstructions(
      file('grub-legacy/menu.lst'),
      { gnttab_max_frames: '256' },
      '/boot/grub/menu.lst',
    );
    expect(lines[0]).toMatch(/GRUB legacy menu, which xendoctor does not edit.*add gnttab_max_frames=256/);
    expect(lines.slice(1)).toEqual([
      '  line 7: kernel\t\t/xen.gz dom0_mem=1024M,max:1024M cpufreq=xen',
      '  line 13: kernel\t\t/xen-4.4.4.gz dom0_mem=1024M,max:1024M',
    ]);
  });
  it('says when it finds no Xen line', () => {
    expect(menuLstInstructions('', { sched: 'credit' }, '/boot/grub/menu.lst')[1]).toMatch(
      /no "kernel .*xen.gz" line/,
    );
  });
});
