import type { Remedy } from '../check.js';

/** A kernel option to turn on, and where `make menuconfig` shows it. */
export interface KernelOptionToEnable {
  /** Without the CONFIG_ prefix, as scripts/config takes it: "XEN_DOM0". */
  name: string;
  /** The menuconfig path, e.g. "Device Drivers > Xen driver support > Xen filesystem". */
  menu: string;
}

/** The running kernel lacks dom0 options: enable them in the kernel source tree, rebuild, reboot. */
export function kernelConfigOptions(options: readonly KernelOptionToEnable[]): Remedy {
  const enable = options.map((o) => `--enable ${o.name}`).join(' ');
  return {
    id: 'kernel-config-options',
    title: `Rebuild the kernel with ${options.map((o) => `CONFIG_${o.name}`).join(', ')}`,
    commands: [
      'cd /usr/src/linux   # the source tree of the running kernel (Gentoo, LFS, custom builds)',
      `scripts/config ${enable}`,
      'make olddefconfig',
      `scripts/config ${options.map((o) => `--state ${o.name}`).join(' ')}   # each must say y or m`,
      'make -j"$(nproc)" && make modules_install && make install',
      'grub-mkconfig -o /boot/grub/grub.cfg',
    ],
    files: [
      {
        path: '/usr/src/linux/.config',
        change: `enable (y or m) ${options.map((o) => `CONFIG_${o.name} [${o.menu}]`).join('; ')}`,
      },
    ],
    reboot: true,
    note:
      'olddefconfig silently drops an option whose dependencies are off (XEN_DOM0 needs XEN_PV or XEN_PVH): ' +
      'search it with "/" in make menuconfig to see what it depends on. Distribution kernels (Debian ' +
      'linux-image-amd64, Ubuntu, Fedora) ship all of these: installing one avoids the rebuild.',
  };
}
