// OpenRC's boot: which runlevels a boot enters, and what an init script's depend() pulls in.
import { parseCommandLine } from './xen-cmdline.js';

/** The runlevels a boot of this kernel command line enters (besides sysinit, which always runs). */
export interface BootRunlevels {
  /** The boot runlevel: "boot" unless `bootlevel=` says otherwise. */
  bootlevel: string;
  /** The runlevel OpenRC enters after boot: "default" unless `softlevel=` says otherwise. */
  softlevel: string;
  /** "softlevel=xen on the kernel command line" or "OpenRC's default" (for evidence). */
  source: string;
}

// Runlevel names are directory names under /etc/runlevels that also land in `rc-update add NAME LEVEL`
// commands: anything outside this set is ignored (it cannot be a runlevel rc-update made).
const RUNLEVEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Reads `softlevel=` and `bootlevel=` from /proc/cmdline, e.g. "root=/dev/sda3 softlevel=xen": OpenRC's rc
 * takes these kernel parameters in place of the "default" and "boot" runlevels (the Gentoo wiki's Xen guide
 * boots the Xen entry into its own runlevel this way). A value that is no runlevel name is ignored.
 */
export function bootRunlevels(cmdline: string): BootRunlevels {
  const options = parseCommandLine(cmdline);
  const soft = options.get('softlevel');
  const boot = options.get('bootlevel');
  const softlevel = soft !== undefined && RUNLEVEL_NAME.test(soft) ? soft : 'default';
  const bootlevel = boot !== undefined && RUNLEVEL_NAME.test(boot) ? boot : 'boot';
  return {
    bootlevel,
    softlevel,
    source:
      softlevel === 'default' ? "OpenRC's default" : `softlevel=${softlevel} on the kernel command line`,
  };
}

/** Whether a name can be a runlevel (and so be printed in an rc-update command). */
export function isRunlevelName(name: string): boolean {
  return RUNLEVEL_NAME.test(name);
}

/**
 * The services an OpenRC init script `need`s, from its depend() function, e.g.
 * "depend() {\n\tneed xenstored\n\tafter dhcp xend xenconsoled\n}" gives ["xenstored"]. A needed service
 * starts whenever the script does, so it starts at boot with it. `use`, `want`, `after` and `before` only
 * order or prefer: they start nothing. Lines outside depend() are not read.
 *
 * A script without depend() (Debian's SysV scripts, "#!/bin/sh" with an LSB header, not openrc-run):
 * Debian's OpenRC reads its LSB header instead, and a service named in `# Required-Start:`
 * becomes a need (the lab's Debian 12 + OpenRC 0.45 deptree: xendomains, "Required-Start: $syslog
 * $network $remote_fs xen", gets `ineed xen`; the `$` facilities and Should-Start become `use`). Upstream
 * OpenRC (Gentoo, Alpine) skips such scripts in sh/gendepends.sh, so there they pull in nothing; reading
 * the header there too only matters for a SysV script in a runlevel, which is rare.
 */
export function initScriptNeeds(script: string): string[] {
  const needs: string[] = [];
  let inDepend = false;
  let hasDepend = false;
  for (const raw of script.split(/\r?\n/)) {
    const line = raw.trim();
    if (!inDepend) {
      if (/^depend\s*\(\)\s*\{?$/.test(line)) {
        inDepend = true;
        hasDepend = true;
      }
      continue;
    }
    if (line.startsWith('}')) break;
    const match = /^need\s+([^;#]*)/.exec(line);
    if (match?.[1]) needs.push(...match[1].split(/\s+/).filter((name) => RUNLEVEL_NAME.test(name)));
  }
  return hasDepend ? needs : lsbRequiredStart(script);
}

/** `# Required-Start:` names of an LSB header ("### BEGIN INIT INFO" to "### END INIT INFO"), not facilities. */
function lsbRequiredStart(script: string): string[] {
  const needs: string[] = [];
  let inHeader = false;
  for (const raw of script.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '### BEGIN INIT INFO') inHeader = true;
    else if (line === '### END INIT INFO') break;
    else if (inHeader) {
      const match = /^#\s*Required-Start:\s*(.*)$/.exec(line);
      if (match?.[1]) needs.push(...match[1].split(/\s+/).filter((name) => RUNLEVEL_NAME.test(name)));
    }
  }
  return needs;
}
