// xen.cfg, the file xen.efi reads from its own directory on the EFI system partition when the firmware starts
// it directly (Xen's docs/misc/efi.pandoc):
//
//   [global]
//   default=debian
//
//   [debian]
//   options=console=vga,com1 com1=57600 loglvl=all noreboot
//   kernel=vmlinuz-6.1.0-56-amd64 root=UUID=... ro quiet
//   ramdisk=initrd.img-6.1.0-56-amd64
//
// `default=` in [global] names the section that boots; a value missing there is taken from [global].
import { ParseError } from './parse-error.js';

export interface XenEfiEntry {
  value: string;
  /** 1-based line the value is on. */
  line: number;
}

export interface XenEfiSection {
  name: string;
  line: number;
  values: Map<string, XenEfiEntry>;
}

export interface XenEfiCfg {
  sections: XenEfiSection[];
  /** The section [global]'s default= names (undefined without default=: xen.efi then ignores sections). */
  boot?: XenEfiSection;
  /** Xen's options for that section (its options=, else [global]'s), with the line to change. */
  options?: XenEfiEntry & { section: string };
  /** The dom0 kernel line (`kernel=<file> <options>`) of that section, else [global]'s. */
  kernel?: XenEfiEntry & { section: string };
}

const SOURCE = 'xen.cfg';
const SECTION = /^\[([^\]\s]+)\]$/;
const KEY_VALUE = /^([A-Za-z][A-Za-z0-9_-]*)=(.*)$/;

/**
 * Parses xen.cfg. Pure. Lines are `[section]`, `key=value`, blank or `#` comments; anything else, a key
 * before any section, or a `default=` naming no section is a ParseError (xen.efi would not boot what we
 * think it boots).
 */
export function parseXenEfiCfg(text: string): XenEfiCfg {
  const sections: XenEfiSection[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const section = SECTION.exec(line);
    if (section?.[1]) {
      sections.push({ name: section[1], line: index + 1, values: new Map() });
      return;
    }
    const kv = KEY_VALUE.exec(line);
    const current = sections.at(-1);
    if (!kv?.[1] || !current) {
      throw ParseError.of(
        SOURCE,
        current ? `[section] or key=value on line ${index + 1}` : 'a [section] header first',
        line,
      );
    }
    // xen.efi takes the first instance of a value within a section.
    if (!current.values.has(kv[1])) current.values.set(kv[1], { value: kv[2] ?? '', line: index + 1 });
  });
  if (sections.length === 0) throw ParseError.of(SOURCE, 'a [section] header', text);
  const global = sections.find((s) => s.name === 'global');
  const wanted = global?.values.get('default')?.value.trim();
  const boot = wanted ? sections.find((s) => s.name === wanted) : undefined;
  if (wanted && !boot) {
    throw ParseError.of(SOURCE, `a [${wanted}] section (named by default= in [global])`, text);
  }
  const result: XenEfiCfg = { sections };
  if (boot) result.boot = boot;
  // Without default=, xen.efi ignores the headers and takes each value's first instance in the file.
  const order = wanted ? [boot, global] : sections;
  const pick = (key: string) => {
    for (const s of order) {
      const entry = s?.values.get(key);
      if (s && entry) return { ...entry, section: s.name };
    }
    return undefined;
  };
  const options = pick('options');
  const kernel = pick('kernel');
  if (options) result.options = options;
  if (kernel) result.kernel = kernel;
  return result;
}

/** The dom0 options of a `kernel=` value: everything after the file name. */
export function kernelOptions(kernelValue: string): string {
  return kernelValue.trim().replace(/^\S+\s*/, '');
}
