import type { Remedy } from '../check.js';

/**
 * dom0's memory is not fixed: give it a fixed size with the same max (`dom0_mem=1024M,max:1024M`), so it
 * neither starts with all the host's memory nor balloons. `size` is in Xen's syntax ("1024M", "4G").
 */
export function dom0Mem(size = '1024M', grubFile = '/etc/default/grub'): Remedy {
  const value = `${size},max:${size}`;
  return {
    id: 'dom0-mem',
    title: `Fix dom0's memory: dom0_mem=${value} on the Xen command line`,
    commands: [
      'grub-mkconfig -o /boot/grub/grub.cfg   # Debian/Ubuntu: update-grub; Fedora/CentOS: grub2-mkconfig -o /boot/grub2/grub.cfg',
    ],
    files: [
      {
        // Where GRUB_CMDLINE_XEN_DEFAULT is set last (a grub.d/*.cfg overrides /etc/default/grub).
        path: grubFile,
        change: `set dom0_mem=${value} in GRUB_CMDLINE_XEN_DEFAULT (replacing any dom0_mem= there)`,
        edit: { kind: 'xen-cmdline', set: { dom0_mem: value } },
      },
    ],
    reboot: true,
    note:
      `${size} is a starting point, not a measurement: size dom0 for its own work (backends, qemu device models, ` +
      'storage), typically 1-4 GiB, and check `free -m` in dom0 after the reboot.',
  };
}
