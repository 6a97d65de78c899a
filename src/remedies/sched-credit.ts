import type { Remedy } from '../check.js';

/** credit2 can stall domU vCPUs on busy hosts: boot Xen with the credit scheduler. */
export function schedCredit(grubFile = '/etc/default/grub'): Remedy {
  return {
    id: 'sched-credit',
    title: 'Boot Xen with the credit scheduler: sched=credit on the Xen command line',
    commands: [
      'grub-mkconfig -o /boot/grub/grub.cfg   # Debian/Ubuntu: update-grub; Fedora/CentOS: grub2-mkconfig -o /boot/grub2/grub.cfg',
    ],
    files: [
      {
        // Where GRUB_CMDLINE_XEN_DEFAULT is set last (a grub.d/*.cfg overrides /etc/default/grub).
        path: grubFile,
        change: 'add sched=credit to GRUB_CMDLINE_XEN_DEFAULT (replacing any sched= there)',
        edit: { kind: 'xen-cmdline', set: { sched: 'credit' } },
      },
    ],
    reboot: true,
    note:
      'The scheduler is chosen at boot; after the reboot `xl info` shows xen_scheduler : credit. Source: the ' +
      'seed guide ("Credit 2 on multi-cpu machines may cause domU stalls on busy machines") and the Xen 4.15.1 ' +
      'release, which fixed the known cause ("credit2: avoid vCPUs to ever reach lower credits than idle"). ' +
      'Cost: credit has no per-core runqueues and balances less well on large hosts; it is the scheduler ' +
      'Xen used by default before 4.12.',
  };
}
