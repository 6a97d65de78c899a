// The boot-loader part of every remedy that sets an option on Xen's command line (sched-credit,
// gnttab-max-frames, dom0-mem): which file holds Xen's options on this host, the edit, and the command
// that turns the file into what the loader reads. One place, so the three remedies never disagree.
import type { BootLoader } from '../boot-loader.js';
import type { RemedyFile } from '../check.js';
import { bootOption } from './quote.js';

/** Where Xen's options live on this host: the loader, and for GRUB 2 the file whose assignment wins. */
export interface XenBootTarget {
  loader: BootLoader;
  /** /etc/default/grub or the grub.d/*.cfg that sets GRUB_CMDLINE_XEN_DEFAULT last (GRUB 2 only). */
  grubFile: string;
}

/** The target when nothing was read (a remedy built without a host): Debian-style GRUB 2. */
export const DEFAULT_XEN_BOOT: XenBootTarget = {
  loader: { kind: 'grub2', style: 'debian', grubCfg: '/boot/grub/grub.cfg', bls: false, evidence: [] },
  grubFile: '/etc/default/grub',
};

export interface XenOptionChange {
  commands: string[];
  files: RemedyFile[];
  /** What the admin must know about this loader (appended to the remedy's note); '' when nothing. */
  note: string;
}

/**
 * The file edit and commands that set `set` (option name -> value, '' for a bare flag) on Xen's command line
 * for this host's boot loader. Throws UnsafeHostValue for an option no loader file can hold literally.
 */
export function xenOptionChange(target: XenBootTarget, set: Record<string, string>): XenOptionChange {
  const words = Object.entries(set).map(([name, value]) => bootOption(name, value));
  const text = words.join(' ');
  const replacing = `replacing any ${Object.keys(set)
    .map((n) => `${n}=`)
    .join(' ')} there`;
  const loader = target.loader;
  switch (loader.kind) {
    case 'grub2': {
      const file: RemedyFile = {
        path: target.grubFile,
        change: `add ${text} to GRUB_CMDLINE_XEN_DEFAULT (${replacing})`,
        edit: { kind: 'xen-cmdline', set },
      };
      if (loader.style === 'debian') {
        return {
          files: [file],
          commands: ['grub-mkconfig -o /boot/grub/grub.cfg   # Debian/Ubuntu: update-grub does the same'],
          note: '',
        };
      }
      return {
        files: [file],
        commands: [`grub2-mkconfig -o ${loader.grubCfg}`],
        note: loader.bls
          ? 'The Xen entries are not BLS entries: grub2-mkconfig writes them (20_linux_xen) from ' +
            'GRUB_CMDLINE_XEN_DEFAULT, and grubby changes only the Linux entries in /boot/loader/entries.'
          : '',
      };
    }
    case 'extlinux':
      return {
        files: [
          {
            path: '/etc/update-extlinux.conf',
            change: `add ${text} to xen_opts (${replacing}; the other options stay)`,
            edit: { kind: 'shell-options', variable: 'xen_opts', set },
          },
        ],
        commands: ['update-extlinux'],
        note: loader.conf.overwrite
          ? ''
          : 'overwrite is not 1 in /etc/update-extlinux.conf, so update-extlinux writes ' +
            '/boot/extlinux.conf.new: move it over /boot/extlinux.conf after checking it.',
      };
    case 'xen-efi': {
      const current = loader.cfg.options;
      const section = current?.section ?? loader.cfg.boot?.name ?? loader.cfg.sections[0]?.name ?? 'global';
      const next = current ? withOptions(current.value, set) : text;
      return {
        files: [
          {
            path: loader.path,
            change: current
              ? `in [${section}], line ${current.line}: replace "options=${current.value}" with "options=${next}"`
              : `in [${section}], add the line "options=${next}"`,
          },
        ],
        commands: [],
        note:
          'xen.efi reads xen.cfg from the EFI system partition at boot; xendoctor fix edits only /etc and ' +
          'never writes the ESP (a broken xen.cfg leaves nothing to boot), so make this edit by hand and keep ' +
          'a copy of the old file.',
      };
    }
    case 'grub-legacy':
      return {
        files: [
          {
            path: loader.menu,
            change: `on each Xen entry's "kernel .../xen.gz" line, add ${text} (${replacing})`,
          },
        ],
        commands: [],
        note: 'GRUB legacy has no generator: the menu is read as it is at the next boot.',
      };
    case 'unknown':
      return {
        files: [],
        commands: [],
        note:
          `xendoctor cannot tell which boot loader starts Xen here (${loader.reason}), so it changes nothing: ` +
          `add ${text} to Xen's command line where your loader keeps it (GRUB 2: GRUB_CMDLINE_XEN_DEFAULT ` +
          'in /etc/default/grub, then grub-mkconfig; extlinux: xen_opts in /etc/update-extlinux.conf, then ' +
          'update-extlinux; xen.efi: options= in xen.cfg next to it on the EFI partition).',
      };
  }
}

/** A command line with each option set: an existing one replaced where it is, a new one appended. */
export function withOptions(line: string, set: Record<string, string>): string {
  const words = line.trim() === '' ? [] : line.trim().split(/\s+/);
  for (const [name, value] of Object.entries(set)) {
    const word = bootOption(name, value);
    // Xen compares option names with "-" and "_" as the same character (cmdline_strcmp).
    const same = (w: string) => (w.split('=', 1)[0] ?? w).replace(/-/g, '_') === name.replace(/-/g, '_');
    if (words.some(same)) words.forEach((w, i) => same(w) && (words[i] = word));
    else words.push(word);
  }
  return words.join(' ');
}

/** Joins a remedy's own note and the loader's. */
export function joinNotes(own: string, loader: string): string {
  return loader === '' ? own : `${own} ${loader}`;
}
