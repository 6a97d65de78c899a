import type { Remedy } from '../check.js';

/** No hypervisor and no toolstack: Xen has to be installed before anything else applies. */
export function installXen(): Remedy {
  return {
    id: 'install-xen',
    title: 'Install the Xen hypervisor and tools, then boot the Xen entry',
    commands: [
      'apt-get install xen-system-amd64          # Debian, Ubuntu',
      'emerge app-emulation/xen app-emulation/xen-tools   # Gentoo',
      'apk add xen xen-hypervisor                 # Alpine',
    ],
    files: [],
    reboot: true,
    note: 'Then boot the "with Xen hypervisor" boot entry; run xendoctor again in dom0.',
  };
}
