import type { Remedy } from '../check.js';
import { DEFAULT_XEN_BOOT, joinNotes, type XenBootTarget, xenOptionChange } from './xen-boot-options.js';

/** credit2 can stall domU vCPUs on busy hosts: boot Xen with the credit scheduler. */
export function schedCredit(boot: XenBootTarget = DEFAULT_XEN_BOOT): Remedy {
  const change = xenOptionChange(boot, { sched: 'credit' });
  return {
    id: 'sched-credit',
    title: 'Boot Xen with the credit scheduler: sched=credit on the Xen command line',
    commands: change.commands,
    files: change.files,
    reboot: true,
    note: joinNotes(
      'The scheduler is chosen at boot; after the reboot `xl info` shows xen_scheduler : credit. Source: the ' +
        'seed guide ("Credit 2 on multi-cpu machines may cause domU stalls on busy machines") and the Xen 4.15.1 ' +
        'release, which fixed the known cause ("credit2: avoid vCPUs to ever reach lower credits than idle"). ' +
        'Cost: credit has no per-core runqueues and balances less well on large hosts; it is the scheduler ' +
        'Xen used by default before 4.12.',
      change.note,
    ),
  };
}
