import type { BootLoader } from '../boot-loader.js';
import type { Remedy } from '../check.js';
import { DEFAULT_XEN_BOOT } from './xen-boot-options.js';

const TITLE = 'Boot the Xen entry of the boot loader';

/** The Xen-capable kernel was booted without the hypervisor: make the boot loader start Xen by default. */
export function bootXenEntry(loader: BootLoader = DEFAULT_XEN_BOOT.loader): Remedy {
  switch (loader.kind) {
    case 'grub2': {
      const fedora = loader.style === 'fedora';
      const mkconfig = fedora
        ? `grub2-mkconfig -o ${loader.grubCfg}`
        : 'grub-mkconfig -o /boot/grub/grub.cfg';
      return {
        id: 'boot-xen-entry',
        title: 'Boot the "with Xen hypervisor" GRUB entry',
        commands: [
          `grep -E "^\\s*(menuentry|submenu) .*Xen" ${loader.grubCfg}   # find the Xen entry's title`,
          `${fedora ? 'grub2-set-default' : 'grub-set-default'} "<title of the Xen entry, e.g. ${
            fedora ? 'Fedora Linux' : 'Debian GNU/Linux'
          }, with Xen hypervisor>"`,
          mkconfig,
        ],
        files: [{ path: '/etc/default/grub', change: 'GRUB_DEFAULT=saved (so grub-set-default sticks)' }],
        reboot: true,
        note:
          `${fedora ? 'Fedora names' : 'Debian/Gentoo name'} it "... with Xen hypervisor"; submenu entries need "Submenu>Entry" titles.` +
          (loader.bls
            ? ' The Xen entries are in grub.cfg, not in /boot/loader/entries: grubby cannot pick them.'
            : ''),
      };
    }
    case 'extlinux':
      return {
        id: 'boot-xen-entry',
        title: 'Boot the "Xen + Linux" extlinux entry',
        commands: [
          'grep -E "^LABEL xen-" /boot/extlinux.conf   # the Xen entries update-extlinux wrote',
          'update-extlinux',
        ],
        files: [
          {
            path: '/etc/update-extlinux.conf',
            change:
              'default=xen-<flavour> (update-extlinux labels the Xen entry of the lts kernel "xen-lts")',
          },
        ],
        reboot: true,
        note: 'update-extlinux writes Xen entries only when /boot/xen.gz exists (apk add xen-hypervisor).',
      };
    case 'xen-efi':
      return {
        id: 'boot-xen-entry',
        title: 'Start xen.efi from the firmware',
        commands: [
          `efibootmgr -v   # find the entry that starts ${loader.path.replace(/\/xen\.cfg$/, '/xen.efi')}`,
          'efibootmgr --bootnext <its number>   # try it once; then put it first with efibootmgr --bootorder',
        ],
        files: [],
        reboot: true,
        note: `${loader.path} is set up, but the firmware started another loader this time.`,
      };
    case 'grub-legacy':
      return {
        id: 'boot-xen-entry',
        title: 'Boot the Xen entry of the GRUB legacy menu',
        commands: [`grep -n "^title" ${loader.menu}   # the entries, counted from 0`],
        files: [
          {
            path: loader.menu,
            change: '"default N" with N the index of the entry whose kernel line is xen.gz',
          },
        ],
        reboot: true,
      };
    case 'unknown':
      return {
        id: 'boot-xen-entry',
        title: TITLE,
        commands: [],
        files: [],
        reboot: true,
        note:
          `xendoctor cannot tell which boot loader this host uses (${loader.reason}): make it start the ` +
          'hypervisor (xen.gz or xen.efi) with this kernel as dom0 by default.',
      };
  }
}
