import type { Remedy } from '../check.js';

/** credit2 can stall domU vCPUs on busy hosts: boot Xen with the credit scheduler. */
export function schedCredit(): Remedy {
  return {
    id: 'sched-credit',
    title: 'Boot Xen with the credit scheduler: sched=credit on the Xen command line',
    commands: [
      'grub-mkconfig -o /boot/grub/grub.cfg   # Debian/Ubuntu: update-grub; Fedora/CentOS: grub2-mkconfig -o /boot/grub2/grub.cfg',
    ],
    files: [
      {
        path: '/etc/default/grub',
        change: 'add sched=credit to GRUB_CMDLINE_XEN_DEFAULT (replacing any sched= there)',
        edit: { kind: 'xen-cmdline', set: { sched: 'credit' } },
      },
    ],
    reboot: true,
    note: 'The scheduler is chosen at boot; after the reboot `xl info` shows xen_scheduler : credit.',
  };
}
