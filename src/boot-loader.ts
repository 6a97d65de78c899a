// Which boot loader starts Xen on this host, so that a remedy changing Xen's command line edits that
// loader's file and names that loader's command. `detectBootLoader` is pure (files in, a verdict out);
// `readBootFiles` reads the few files it needs through the host seam. docs/fix.md lists the rules.
import type { Host } from './host/host.js';
import { ParseError } from './parsers/parse-error.js';
import { parseUpdateExtlinuxConf, type UpdateExtlinuxConf } from './parsers/update-extlinux-conf.js';
import { kernelOptions, parseXenEfiCfg, type XenEfiCfg } from './parsers/xen-efi-cfg.js';

export interface TextFile {
  path: string;
  text: string;
}

/** What detection reads; every field is what the host has (absent: the file does not exist). */
export interface BootFiles {
  /** /etc/default/grub: GRUB 2's settings (Debian, Ubuntu, Gentoo, Fedora, RHEL). */
  grubDefault?: string;
  /** Fedora/RHEL-style GRUB 2 files that exist: /boot/grub2/grub.cfg, /etc/grub2.cfg, /etc/grub2-efi.cfg. */
  grub2Files: string[];
  /** /boot/efi/EFI/<vendor>/grub.cfg files (RHEL 8 and Fedora before 34 keep the real menu there). */
  efiGrubCfgs: TextFile[];
  /** Names of the Boot Loader Specification entries in /boot/loader/entries (*.conf). */
  blsEntries: string[];
  /** /etc/update-extlinux.conf (Alpine's syslinux). */
  updateExtlinux?: string;
  /** /boot/efi/EFI/<vendor>/xen.cfg files. */
  xenEfiCfgs: TextFile[];
  /** /sys/firmware/efi exists: the running kernel was started by EFI firmware. */
  efiBooted: boolean;
  /** /boot/grub/menu.lst or /boot/grub/grub.conf (GRUB legacy). */
  legacyMenu?: TextFile;
  /** /proc/cmdline: dom0's kernel command line as booted. */
  dom0Cmdline?: string;
}

export type GrubStyle = 'debian' | 'fedora';

export type BootLoader =
  | {
      kind: 'grub2';
      /** debian: grub-mkconfig -o /boot/grub/grub.cfg (update-grub); fedora: grub2-mkconfig -o <grubCfg>. */
      style: GrubStyle;
      /** The menu grub-mkconfig must write. */
      grubCfg: string;
      /** GRUB_ENABLE_BLSCFG=true with entries in /boot/loader/entries (Linux entries are BLS, Xen's are not). */
      bls: boolean;
      evidence: string[];
    }
  | { kind: 'extlinux'; conf: UpdateExtlinuxConf; evidence: string[] }
  | { kind: 'xen-efi'; path: string; cfg: XenEfiCfg; evidence: string[] }
  | { kind: 'grub-legacy'; menu: string; evidence: string[] }
  | { kind: 'unknown'; reason: string; evidence: string[] };

/** A short name for the report header ("GRUB 2", "extlinux", "EFI xen.cfg"...). */
export function bootLoaderLabel(loader: BootLoader): string {
  switch (loader.kind) {
    case 'grub2':
      return loader.bls ? 'GRUB 2 (BLS)' : 'GRUB 2';
    case 'extlinux':
      return 'extlinux';
    case 'xen-efi':
      return 'EFI xen.cfg';
    case 'grub-legacy':
      return 'GRUB legacy';
    case 'unknown':
      return 'unknown';
  }
}

// GRUB 2's 20_linux_xen starts dom0's line with this word (`module2 /vmlinuz placeholder root=...`), and Xen
// passes it on when GRUB 2 loaded it: a dom0 that booted through GRUB 2 shows it first in /proc/cmdline.
const GRUB_PLACEHOLDER = /^\s*placeholder(\s|$)/;

/** Decides the boot loader. Pure. Never guesses between two loaders that are both set up: that is unknown. */
export function detectBootLoader(files: BootFiles): BootLoader {
  const evidence: string[] = [];
  const candidates: BootLoader[] = [];
  const unreadable: string[] = [];

  if (files.grubDefault !== undefined) candidates.push(grub2(files));

  if (files.updateExtlinux !== undefined) {
    try {
      const conf = parseUpdateExtlinuxConf(files.updateExtlinux);
      candidates.push({
        kind: 'extlinux',
        conf,
        evidence: [
          `/etc/update-extlinux.conf: ${conf.xenOpts ? `xen_opts=${conf.xenOpts.value}` : 'no xen_opts'}`,
        ],
      });
    } catch (caught) {
      if (!(caught instanceof ParseError)) throw caught;
      unreadable.push(caught.message);
    }
  }

  for (const file of files.xenEfiCfgs) {
    if (!files.efiBooted) {
      evidence.push(`${file.path} ignored: /sys/firmware/efi is missing (not booted by EFI)`);
      continue;
    }
    try {
      const cfg = parseXenEfiCfg(file.text);
      const where = cfg.options ? `[${cfg.options.section}] options=${cfg.options.value}` : 'no options=';
      candidates.push({ kind: 'xen-efi', path: file.path, cfg, evidence: [`${file.path}: ${where}`] });
    } catch (caught) {
      if (!(caught instanceof ParseError)) throw caught;
      unreadable.push(`${file.path}: ${caught.message}`);
    }
  }

  if (files.legacyMenu && files.grubDefault === undefined) {
    candidates.push({
      kind: 'grub-legacy',
      menu: files.legacyMenu.path,
      evidence: [`${files.legacyMenu.path}: GRUB legacy menu, no /etc/default/grub`],
    });
  }

  const cmdline = files.dom0Cmdline?.trim();
  const chosen = choose(candidates, cmdline, evidence);
  if (chosen && unreadable.length === 0) return { ...chosen, evidence: [...chosen.evidence, ...evidence] };
  if (chosen) {
    // The chosen loader is known; a second, unreadable one is worth saying but changes nothing.
    return { ...chosen, evidence: [...chosen.evidence, ...evidence, ...unreadable] };
  }
  if (unreadable.length > 0) {
    return { kind: 'unknown', reason: `could not read ${unreadable.join('; ')}`, evidence };
  }
  if (candidates.length > 1) {
    return {
      kind: 'unknown',
      reason: `${candidates.map(bootLoaderLabel).join(' and ')} are all set up; cannot tell which one starts Xen`,
      evidence: [...evidence, ...candidates.flatMap((c) => c.evidence)],
    };
  }
  return {
    kind: 'unknown',
    reason:
      'no /etc/default/grub (GRUB 2), /etc/update-extlinux.conf (extlinux), xen.cfg on the EFI partition ' +
      'or GRUB legacy menu found',
    evidence,
  };
}

// One candidate, or the one the booted dom0 command line points to; undefined when it cannot be told.
function choose(
  candidates: BootLoader[],
  cmdline: string | undefined,
  evidence: string[],
): BootLoader | undefined {
  if (candidates.length <= 1) return candidates[0];
  if (cmdline !== undefined && GRUB_PLACEHOLDER.test(cmdline)) {
    const grub = candidates.find((c) => c.kind === 'grub2');
    if (grub) {
      evidence.push('/proc/cmdline starts with "placeholder": dom0 was booted by GRUB 2 (20_linux_xen)');
      return grub;
    }
  }
  // xen.efi hands dom0 the options of its kernel= line: the same line in /proc/cmdline says xen.efi booted.
  const efi = candidates.filter(
    (c): c is Extract<BootLoader, { kind: 'xen-efi' }> =>
      c.kind === 'xen-efi' &&
      c.cfg.kernel !== undefined &&
      cmdline !== undefined &&
      kernelOptions(c.cfg.kernel.value) === cmdline,
  );
  if (efi.length === 1 && efi[0]) {
    evidence.push(`/proc/cmdline is the kernel= line of ${efi[0].path}: dom0 was booted by xen.efi`);
    return efi[0];
  }
  return undefined;
}

function grub2(files: BootFiles): BootLoader {
  const evidence = ['/etc/default/grub: GRUB 2'];
  const blsEnabled = /^\s*GRUB_ENABLE_BLSCFG=["']?true["']?\s*$/m.test(files.grubDefault ?? '');
  const fedora = files.grub2Files.length > 0 || files.blsEntries.length > 0;
  const bls = blsEnabled && files.blsEntries.length > 0;
  if (bls)
    evidence.push(
      `GRUB_ENABLE_BLSCFG=true, BLS entries in /boot/loader/entries: ${files.blsEntries.join(', ')}`,
    );
  if (!fedora) return { kind: 'grub2', style: 'debian', grubCfg: '/boot/grub/grub.cfg', bls, evidence };
  evidence.push(
    `Fedora-style grub2: ${[...files.grub2Files, ...(bls ? [] : files.blsEntries)].join(', ') || '/boot/loader/entries'}`,
  );
  // Before Fedora 34 and on RHEL 8, an EFI host's real menu is on the ESP; since then that file is a stub
  // that loads /boot/grub2/grub.cfg (`configfile`), which must not be overwritten.
  const efiMenu = files.efiBooted
    ? files.efiGrubCfgs.find(
        (f) => !/^\s*configfile\s/m.test(f.text) && /^\s*(menuentry|blscfg)\b/m.test(f.text),
      )
    : undefined;
  if (efiMenu) evidence.push(`${efiMenu.path} holds the menu itself (not a configfile stub)`);
  return { kind: 'grub2', style: 'fedora', grubCfg: efiMenu?.path ?? '/boot/grub2/grub.cfg', bls, evidence };
}

const FEDORA_GRUB2 = ['/boot/grub2/grub.cfg', '/etc/grub2.cfg', '/etc/grub2-efi.cfg'];
const LEGACY_MENUS = ['/boot/grub/menu.lst', '/boot/grub/grub.conf'];
const ESP = '/boot/efi/EFI';
/** Bounds on what is listed: a real ESP has a handful of vendors, /boot/loader/entries a few kernels. */
const MAX_VENDORS = 32;
const MAX_ENTRIES = 256;

/** Reads the files detectBootLoader needs, through the host seam. */
export async function readBootFiles(host: Host): Promise<BootFiles> {
  const [grubDefault, updateExtlinux, dom0Cmdline, efiBooted, vendors, entries] = await Promise.all([
    host.readFileIfExists('/etc/default/grub'),
    host.readFileIfExists('/etc/update-extlinux.conf'),
    host.readFileIfExists('/proc/cmdline'),
    host.exists('/sys/firmware/efi'),
    host.listDir(ESP),
    host.listDir('/boot/loader/entries'),
  ]);
  const grub2Files: string[] = [];
  for (const file of FEDORA_GRUB2) if (await host.exists(file)) grub2Files.push(file);
  const efiGrubCfgs: TextFile[] = [];
  const xenEfiCfgs: TextFile[] = [];
  for (const vendor of (vendors ?? []).sort().slice(0, MAX_VENDORS)) {
    for (const [name, into] of [
      ['grub.cfg', efiGrubCfgs],
      ['xen.cfg', xenEfiCfgs],
    ] as const) {
      const path = `${ESP}/${vendor}/${name}`;
      const text = await host.readFileIfExists(path);
      if (text !== undefined) into.push({ path, text });
    }
  }
  let legacyMenu: TextFile | undefined;
  for (const path of LEGACY_MENUS) {
    const text = await host.readFileIfExists(path);
    if (text !== undefined) {
      legacyMenu = { path, text };
      break;
    }
  }
  const files: BootFiles = {
    grub2Files,
    efiGrubCfgs,
    blsEntries: (entries ?? [])
      .filter((n) => n.endsWith('.conf'))
      .sort()
      .slice(0, MAX_ENTRIES),
    xenEfiCfgs,
    efiBooted,
  };
  if (grubDefault !== undefined) files.grubDefault = grubDefault;
  if (updateExtlinux !== undefined) files.updateExtlinux = updateExtlinux;
  if (legacyMenu) files.legacyMenu = legacyMenu;
  if (dom0Cmdline !== undefined) files.dom0Cmdline = dom0Cmdline;
  return files;
}
