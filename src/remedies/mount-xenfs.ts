import type { Remedy } from '../check.js';

/** The fstab line that mounts xenfs at boot. */
export const XENFS_FSTAB_LINE = 'xenfs /proc/xen xenfs defaults 0 0';

// An existing, uncommented xenfs line on /proc/xen, whatever its device field ("xenfs", "none") or
// options. Works whether the fixer tests it line by line or on the whole file: (?:^|\n) and [ \t] only.
const PRESENT = '(?:^|\\n)[ \\t]*[^#\\s]\\S*[ \\t]+/proc/xen/?[ \\t]+xenfs(?:[ \\t]|$)';

/** xenfs is not mounted on /proc/xen: mount it now, and at every boot through /etc/fstab. */
export function mountXenfs(): Remedy {
  return {
    id: 'mount-xenfs',
    title: 'Mount xenfs on /proc/xen (now and at boot)',
    commands: ['mount -t xenfs xenfs /proc/xen'],
    files: [
      {
        path: '/etc/fstab',
        change: `add the line "${XENFS_FSTAB_LINE}"`,
        edit: { kind: 'ensure-line', line: XENFS_FSTAB_LINE, present: PRESENT },
      },
    ],
    reboot: false,
    note:
      'xenstored reads /proc/xen/xsd_kva and xsd_port, and /proc/xen/capabilities tells dom0 from a guest. ' +
      "Debian's xen init script mounts it too; the fstab line makes it independent of service order.",
  };
}
