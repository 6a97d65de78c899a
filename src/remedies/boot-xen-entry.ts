import type { Remedy } from '../check.js';

/** The Xen-capable kernel was booted without the hypervisor: make GRUB boot the Xen entry. */
export function bootXenEntry(): Remedy {
  return {
    id: 'boot-xen-entry',
    title: 'Boot the "with Xen hypervisor" GRUB entry',
    commands: [
      'grep -E "^\\s*(menuentry|submenu) .*Xen" /boot/grub/grub.cfg   # find the Xen entry\'s title',
      'grub-set-default "<title of the Xen entry, e.g. Debian GNU/Linux, with Xen hypervisor>"',
      'grub-mkconfig -o /boot/grub/grub.cfg',
    ],
    files: [{ path: '/etc/default/grub', change: 'GRUB_DEFAULT=saved (so grub-set-default sticks)' }],
    reboot: true,
    note: 'Debian/Gentoo name it "... with Xen hypervisor"; submenu entries need "Submenu>Entry" titles.',
  };
}
