// The report's header: what host this is, read from files only (no command), so it costs nothing.
import { bootLoaderLabel } from '../boot-loader.js';
import type { Context, InitSystem } from '../context.js';

export interface HostInfo {
  hostname: string | null;
  kernel: string | null;
  /** "4.17.7" from /sys/hypervisor/version, null when not under Xen. */
  xenVersion: string | null;
  role: 'dom0' | 'domU' | 'none';
  init: InitSystem;
  /** The boot loader that starts Xen ("GRUB 2", "extlinux", "EFI xen.cfg", "unknown"); see src/boot-loader.ts. */
  bootLoader?: string;
  /** The folder read as "/" (not "/" means a replayed host). */
  root: string;
}

export async function readHostInfo(ctx: Context): Promise<HostInfo> {
  const read = async (file: string) =>
    (await ctx.host.readFileIfExists(file).catch(() => undefined))?.trim() || null;
  const [hostname, kernel, xen, dom0, init, loader, major, minor, extra] = await Promise.all([
    read('/proc/sys/kernel/hostname'),
    read('/proc/sys/kernel/osrelease'),
    ctx.xen(),
    ctx.dom0(),
    ctx.initSystem(),
    ctx.bootLoader().catch(() => undefined),
    read('/sys/hypervisor/version/major'),
    read('/sys/hypervisor/version/minor'),
    read('/sys/hypervisor/version/extra'),
  ]);
  // The version files hold "4", "17" and ".7"; anything else is not a version worth printing.
  const plausible =
    major && minor && /^\d+$/.test(major) && /^\d+$/.test(minor) && /^[\w.+~-]*$/.test(extra ?? '');
  const xenVersion = xen.underXen && plausible ? `${major}.${minor}${extra ?? ''}` : null;
  const role = !xen.underXen ? 'none' : dom0.isDom0 ? 'dom0' : 'domU';
  const bootLoader = loader ? bootLoaderLabel(loader) : 'unknown';
  return { hostname, kernel, xenVersion, role, init, bootLoader, root: ctx.host.root };
}
