// Boot-loader detection and its parsers: which loader starts Xen (GRUB 2 Debian/Fedora, extlinux, EFI
// xen.cfg, GRUB legacy, unknown), from the fixture hosts and from tables of files.
import { describe, expect, it } from 'vitest';
import { type BootFiles, detectBootLoader, readBootFiles } from '../src/boot-loader.js';
import { setShellVarOptions } from '../src/fix/edits/xen-cmdline.js';
import { EditError } from '../src/fix/edits/edit-error.js';
import { ParseError } from '../src/parsers/parse-error.js';
import { parseUpdateExtlinuxConf } from '../src/parsers/update-extlinux-conf.js';
import { kernelOptions, parseXenEfiCfg } from '../src/parsers/xen-efi-cfg.js';
import { bootXenEntry } from '../src/remedies/boot-xen-entry.js';
import { withOptions } from '../src/remedies/xen-boot-options.js';
import { files } from './fix-helpers.js';
import { fixtureHost, hostFile } from './helpers.js';

const alpine = files('alpine/update-extlinux.conf');
const efiCfg = hostFile('debian12-efi-xen-cfg', 'boot/efi/EFI/debian/xen.cfg');
// The example of Xen's docs/misc/efi.pandoc, verbatim.
const docsExample =
  '[global]\ndefault=sle11sp2\n\n[sle11sp2]\noptions=console=vga,com1 com1=57600 loglvl=all noreboot\n' +
  'kernel=vmlinuz-3.0.31-0.4-xen [domain 0 command line options]\nramdisk=initrd-3.0.31-0.4-xen\n';

describe('parseUpdateExtlinuxConf', () => {
  it("reads Alpine's shipped file: xen_opts, overwrite", () => {
    const conf = parseUpdateExtlinuxConf(alpine);
    expect(conf.xenOpts).toEqual({ value: 'dom0_mem=384M', line: 52 });
    expect(conf.overwrite).toBe(true);
    expect(conf.settings.get('default_kernel_opts')?.value).toBe('quiet');
    expect(conf.settings.get('password')?.value).toBe('');
  });
  it('reads a quoted xen_opts and overwrite=0', () => {
    const conf = parseUpdateExtlinuxConf('overwrite=0\nxen_opts="dom0_mem=1G sched=credit"  # tuned\n');
    expect(conf.xenOpts?.value).toBe('dom0_mem=1G sched=credit');
    expect(conf.overwrite).toBe(false);
  });
  it.each([
    ['empty', ''],
    ['only comments', '# configuration for extlinux config builder\n'],
    ['a command', 'xen_opts=dom0_mem=384M\nupdate-extlinux\n'],
    ['an expansion', 'xen_opts="$XEN dom0_mem=1G"\n'],
    ['a command substitution', 'root=$(blkid -o value /dev/vda)\n'],
    ['an unterminated quote', 'xen_opts="dom0_mem=1G\nsched=credit"\n'],
    ['garbage', '\u0000\u0001binary'],
  ])('rejects %s', (_, text) => {
    expect(() => parseUpdateExtlinuxConf(text)).toThrow(ParseError);
  });
});

describe('parseXenEfiCfg', () => {
  it('reads the fixture xen.cfg: the default section, its options and kernel line', () => {
    const cfg = parseXenEfiCfg(efiCfg);
    expect(cfg.boot?.name).toBe('debian');
    expect(cfg.options).toEqual({
      value: 'dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot',
      line: 6,
      section: 'debian',
    });
    expect(kernelOptions(cfg.kernel?.value ?? '')).toBe('root=/dev/vda rw console=hvc0 earlyprintk=xen');
  });
  it("reads Xen's documented example", () => {
    const cfg = parseXenEfiCfg(docsExample);
    expect(cfg.options?.value).toBe('console=vga,com1 com1=57600 loglvl=all noreboot');
    expect(cfg.options?.section).toBe('sle11sp2');
  });
  it('takes options from [global] when the default section has none', () => {
    const cfg = parseXenEfiCfg('[global]\ndefault=a\noptions=noreboot\n[a]\nkernel=vmlinuz root=/dev/sda\n');
    expect(cfg.options).toMatchObject({ value: 'noreboot', section: 'global' });
  });
  it('without default=, takes the first instance of each value in the file', () => {
    const cfg = parseXenEfiCfg('[one]\noptions=sched=credit\n[two]\noptions=sched=credit2\n');
    expect(cfg.boot).toBeUndefined();
    expect(cfg.options).toMatchObject({ value: 'sched=credit', section: 'one' });
  });
  it.each([
    ['empty', ''],
    ['a value before any section', 'options=noreboot\n[global]\n'],
    ['a default naming no section', '[global]\ndefault=missing\n[debian]\noptions=x\n'],
    ['a line that is neither', '[global]\nthis is not a setting\n'],
    ['garbage', '\u0000\u0001binary'],
  ])('rejects %s', (_, text) => {
    expect(() => parseXenEfiCfg(text)).toThrow(ParseError);
  });
});

describe('readBootFiles + detectBootLoader on the fixture hosts', () => {
  const detect = async (name: string) => detectBootLoader(await readBootFiles(fixtureHost(name)));

  it('Alpine: extlinux, with the xen_opts of /etc/update-extlinux.conf', async () => {
    const loader = await detect('alpine-openrc-extlinux');
    expect(loader.kind).toBe('extlinux');
    if (loader.kind !== 'extlinux') return;
    expect(loader.conf.xenOpts?.value).toBe('dom0_mem=1024M,max:1024M console=com1 com1=115200,8n1 noreboot');
    expect(loader.conf.overwrite).toBe(true);
  });
  it('Fedora: GRUB 2 Fedora-style with BLS, writing /boot/grub2/grub.cfg', async () => {
    expect(await detect('fedora-grub2-bls')).toMatchObject({
      kind: 'grub2',
      style: 'fedora',
      bls: true,
      grubCfg: '/boot/grub2/grub.cfg',
    });
  });
  it('Debian EFI: xen.efi, although /etc/default/grub is there too', async () => {
    const loader = await detect('debian12-efi-xen-cfg');
    expect(loader).toMatchObject({ kind: 'xen-efi', path: '/boot/efi/EFI/debian/xen.cfg' });
    expect(loader.evidence.join('\n')).toContain('/proc/cmdline is the kernel= line');
  });
  it.each(['dom0-credit2', 'debian12-grub-xen-cfg', 'gentoo-openrc-softlevel', 'ubuntu2204-xen-source'])(
    '%s: GRUB 2, Debian-style',
    async (name) => {
      expect(await detect(name)).toMatchObject({
        kind: 'grub2',
        style: 'debian',
        grubCfg: '/boot/grub/grub.cfg',
      });
    },
  );
  it('a host without any boot loader file: unknown, saying what was looked for', async () => {
    const loader = await detect('made-up-gnttab-near-limit');
    expect(loader.kind).toBe('unknown');
    if (loader.kind === 'unknown') expect(loader.reason).toContain('/etc/update-extlinux.conf');
  });
});

describe('detectBootLoader rules', () => {
  const base: BootFiles = {
    grub2Files: [],
    efiGrubCfgs: [],
    blsEntries: [],
    xenEfiCfgs: [],
    efiBooted: false,
  };
  const grub = 'GRUB_CMDLINE_XEN_DEFAULT="dom0_mem=1G"\n';
  const xenCfg = { path: '/boot/efi/EFI/debian/xen.cfg', text: efiCfg };

  it('GRUB 2 and xen.cfg, dom0 line starting with "placeholder": GRUB 2 booted it', () => {
    const loader = detectBootLoader({
      ...base,
      grubDefault: grub,
      xenEfiCfgs: [xenCfg],
      efiBooted: true,
      dom0Cmdline: 'placeholder root=/dev/vda rw console=hvc0 earlyprintk=xen',
    });
    expect(loader.kind).toBe('grub2');
  });
  it('GRUB 2 and xen.cfg with a dom0 line that matches neither: unknown, never a guess', () => {
    const loader = detectBootLoader({
      ...base,
      grubDefault: grub,
      xenEfiCfgs: [xenCfg],
      efiBooted: true,
      dom0Cmdline: 'root=/dev/sda1 ro quiet',
    });
    expect(loader).toMatchObject({ kind: 'unknown' });
    if (loader.kind === 'unknown') expect(loader.reason).toContain('GRUB 2 and EFI xen.cfg are all set up');
  });
  it('a xen.cfg on a host not booted by EFI is not what boots it', () => {
    const loader = detectBootLoader({ ...base, grubDefault: grub, xenEfiCfgs: [xenCfg], efiBooted: false });
    expect(loader.kind).toBe('grub2');
    expect(loader.evidence.join('\n')).toContain('ignored: /sys/firmware/efi is missing');
  });
  it('an unreadable update-extlinux.conf alone: unknown, quoting the parse error', () => {
    const loader = detectBootLoader({ ...base, updateExtlinux: 'xen_opts=$(cat /etc/xen-opts)\n' });
    expect(loader.kind).toBe('unknown');
    if (loader.kind === 'unknown') expect(loader.reason).toContain('/etc/update-extlinux.conf');
  });
  it('GRUB legacy: menu.lst without /etc/default/grub', () => {
    const loader = detectBootLoader({
      ...base,
      legacyMenu: { path: '/boot/grub/menu.lst', text: 'title Xen\n' },
    });
    expect(loader).toMatchObject({ kind: 'grub-legacy', menu: '/boot/grub/menu.lst' });
  });
  it("Fedora before 34 / RHEL 8 on EFI: the ESP's grub.cfg holds the menu, so grub2-mkconfig writes that", () => {
    const loader = detectBootLoader({
      ...base,
      grubDefault: grub,
      grub2Files: ['/etc/grub2-efi.cfg'],
      efiBooted: true,
      efiGrubCfgs: [{ path: '/boot/efi/EFI/redhat/grub.cfg', text: "menuentry 'Red Hat' {\n}\n" }],
    });
    expect(loader).toMatchObject({
      kind: 'grub2',
      style: 'fedora',
      grubCfg: '/boot/efi/EFI/redhat/grub.cfg',
    });
  });
  it('Fedora 34+ on EFI: the ESP grub.cfg is a configfile stub, /boot/grub2/grub.cfg is written', () => {
    const loader = detectBootLoader({
      ...base,
      grubDefault: grub,
      grub2Files: ['/boot/grub2/grub.cfg'],
      efiBooted: true,
      efiGrubCfgs: [
        {
          path: '/boot/efi/EFI/fedora/grub.cfg',
          text: 'search --fs-uuid x root\nconfigfile ($root)/grub2/grub.cfg\n',
        },
      ],
    });
    expect(loader).toMatchObject({ kind: 'grub2', grubCfg: '/boot/grub2/grub.cfg' });
  });
});

describe('setShellVarOptions (extlinux xen_opts)', () => {
  const file = '/etc/update-extlinux.conf';
  it("adds an option to Alpine's unquoted xen_opts, quoting it, and changes no other line", () => {
    const { text } = setShellVarOptions(alpine, 'xen_opts', { sched: 'credit' }, file);
    const before = alpine.split('\n');
    const after = text.split('\n');
    expect(after[51]).toBe('xen_opts="dom0_mem=384M sched=credit"');
    expect(after.filter((_, i) => i !== 51)).toEqual(before.filter((_, i) => i !== 51));
    expect(parseUpdateExtlinuxConf(text).xenOpts?.value).toBe('dom0_mem=384M sched=credit');
  });
  it('replaces an existing option where it is and is idempotent', () => {
    const once = setShellVarOptions(alpine, 'xen_opts', { dom0_mem: '1024M,max:1024M' }, file).text;
    expect(once).toContain('xen_opts=dom0_mem=1024M,max:1024M\n');
    expect(setShellVarOptions(once, 'xen_opts', { dom0_mem: '1024M,max:1024M' }, file).text).toBe(once);
  });
  it('appends a quoted xen_opts line to a file without one', () => {
    const { text, notes } = setShellVarOptions('overwrite=1\n', 'xen_opts', { sched: 'credit' }, file);
    expect(text).toBe('overwrite=1\nxen_opts="sched=credit"\n');
    expect(notes).toEqual(['added a xen_opts line (the file had none)']);
  });
  it.each([
    ['an expansion', 'xen_opts="$BASE dom0_mem=1G"\n'],
    ['a continued line', 'xen_opts="dom0_mem=1G \\\n sched=credit"\n'],
  ])('refuses %s', (_, text) => {
    expect(() => setShellVarOptions(text, 'xen_opts', { sched: 'credit' }, file)).toThrow(EditError);
  });
  it('refuses a value a loader line cannot hold literally', () => {
    expect(() => setShellVarOptions(alpine, 'xen_opts', { sched: 'credit; reboot' }, file)).toThrow(
      EditError,
    );
  });
});

describe('withOptions (the xen.cfg options= line)', () => {
  it('appends, replaces in place (- and _ alike, as Xen compares them) and keeps the rest', () => {
    expect(withOptions('console=com1 noreboot', { sched: 'credit' })).toBe(
      'console=com1 noreboot sched=credit',
    );
    expect(withOptions('gnttab-max-frames=64 noreboot', { gnttab_max_frames: '256' })).toBe(
      'gnttab_max_frames=256 noreboot',
    );
    expect(withOptions('', { noreboot: '' })).toBe('noreboot');
  });
  it('refuses a value with a space or shell syntax (UnsafeHostValue)', () => {
    expect(() => withOptions('', { dom0_mem: '1G max:1G' })).toThrow(/boot option value/);
  });
});

describe('boot-xen-entry per boot loader', () => {
  const forHost = async (name: string) =>
    bootXenEntry(detectBootLoader(await readBootFiles(fixtureHost(name))));
  const grubCommands = /grub-mkconfig|grub2-mkconfig|update-grub|grub-set-default|grub2-set-default/;

  it('Debian GRUB 2: grub-set-default and grub-mkconfig, as before', async () => {
    const remedy = await forHost('dom0-credit2');
    expect(remedy.commands).toContain('grub-mkconfig -o /boot/grub/grub.cfg');
    expect(remedy.commands.join('\n')).toContain('grub-set-default "<title');
  });
  it('Fedora GRUB 2: grub2-set-default and grub2-mkconfig', async () => {
    const remedy = await forHost('fedora-grub2-bls');
    expect(remedy.commands).toContain('grub2-mkconfig -o /boot/grub2/grub.cfg');
    expect(remedy.commands.join('\n')).toMatch(
      /^grub2-set-default "<title of the Xen entry, e.g. Fedora Linux/m,
    );
    expect(remedy.note).toContain('grubby cannot pick them');
  });
  it('extlinux: default= in /etc/update-extlinux.conf and update-extlinux, nothing of GRUB', async () => {
    const remedy = await forHost('alpine-openrc-extlinux');
    expect(remedy.files.map((f) => f.path)).toEqual(['/etc/update-extlinux.conf']);
    expect(remedy.commands).toContain('update-extlinux');
    expect(JSON.stringify(remedy)).not.toMatch(grubCommands);
  });
  it('xen.efi: the firmware boot entry (efibootmgr), nothing of GRUB', async () => {
    const remedy = await forHost('debian12-efi-xen-cfg');
    expect(remedy.commands.join('\n')).toContain('/boot/efi/EFI/debian/xen.efi');
    expect(JSON.stringify(remedy)).not.toMatch(grubCommands);
  });
  it('unknown: says so and names no command', async () => {
    const remedy = await forHost('made-up-gnttab-near-limit');
    expect(remedy.commands).toEqual([]);
    expect(remedy.note).toContain('cannot tell which boot loader');
  });
});
