import type { Remedy } from '../check.js';
import { DEFAULT_XEN_BOOT, joinNotes, type XenBootTarget, xenOptionChange } from './xen-boot-options.js';

/**
 * dom0's memory is not fixed: give it a fixed size with the same max (`dom0_mem=1024M,max:1024M`), so it
 * neither starts with all the host's memory nor balloons. `size` is in Xen's syntax ("1024M", "4G").
 */
export function dom0Mem(size = '1024M', boot: XenBootTarget = DEFAULT_XEN_BOOT): Remedy {
  const value = `${size},max:${size}`;
  const change = xenOptionChange(boot, { dom0_mem: value });
  return {
    id: 'dom0-mem',
    title: `Fix dom0's memory: dom0_mem=${value} on the Xen command line`,
    commands: change.commands,
    files: change.files,
    reboot: true,
    note: joinNotes(
      `${size} is a starting point, not a measurement: size dom0 for its own work (backends, qemu device models, ` +
        'storage), typically 1-4 GiB, and check `free -m` in dom0 after the reboot.',
      change.note,
    ),
  };
}
