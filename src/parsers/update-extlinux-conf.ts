// Alpine's /etc/update-extlinux.conf: the settings `update-extlinux` (package syslinux) sources with /bin/sh
// before it writes /boot/extlinux.conf. Its Xen entries are
// `APPEND xen.gz $xen_opts --- vmlinuz-lts root=$root modules=$modules $default_kernel_opts --- initramfs-lts`,
// so `xen_opts` is Xen's command line and `default_kernel_opts` dom0's.
import { ParseError } from './parse-error.js';

export interface ExtlinuxSetting {
  /** The value as the shell sees it, quotes removed. */
  value: string;
  /** 1-based line of the (last) assignment. */
  line: number;
}

export interface UpdateExtlinuxConf {
  /** Every assignment, the last one of each name (the shell keeps the last). */
  settings: Map<string, ExtlinuxSetting>;
  /** Xen's options (`xen_opts=dom0_mem=384M`); undefined when the file does not set it. */
  xenOpts?: ExtlinuxSetting;
  /** update-extlinux replaces /boot/extlinux.conf only when `overwrite=1`; else it writes extlinux.conf.new. */
  overwrite: boolean;
}

const SOURCE = '/etc/update-extlinux.conf';
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
// A value the shell reads literally: '...', "..." without $ ` \, or a bare word without shell syntax.
const VALUE = /^(?:'([^']*)'|"([^"$`\\]*)"|([^\s'"$`\\;&|<>()#]*))\s*(?:#.*)?$/;

/**
 * Parses /etc/update-extlinux.conf, e.g. `xen_opts=dom0_mem=384M`. Pure. Every line must be blank, a comment
 * or a plain `name=value` assignment: anything else (a command, an expansion, a value over several lines) is
 * a ParseError, since update-extlinux would run it and no reading of ours could say what Xen gets.
 */
export function parseUpdateExtlinuxConf(text: string): UpdateExtlinuxConf {
  const settings = new Map<string, ExtlinuxSetting>();
  let assignments = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = ASSIGNMENT.exec(line);
    const value = m ? VALUE.exec(m[2] ?? '') : null;
    if (!m?.[1] || !value) {
      throw ParseError.of(SOURCE, `a plain name=value assignment on line ${index + 1}`, line);
    }
    settings.set(m[1], { value: value[1] ?? value[2] ?? value[3] ?? '', line: index + 1 });
    assignments++;
  });
  if (assignments === 0) throw ParseError.of(SOURCE, 'at least one name=value setting', text);
  const result: UpdateExtlinuxConf = {
    settings,
    overwrite: (settings.get('overwrite')?.value ?? '') === '1',
  };
  const xenOpts = settings.get('xen_opts');
  if (xenOpts) result.xenOpts = xenOpts;
  return result;
}
