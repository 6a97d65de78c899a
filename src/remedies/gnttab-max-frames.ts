import type { Remedy } from '../check.js';

/** A domain is close to (or at) its grant frame limit: raise the limit for every domain on the Xen line. */
export function gnttabMaxFrames(frames = 256, grubFile = '/etc/default/grub'): Remedy {
  return {
    id: 'gnttab-max-frames',
    title: `Raise the grant table limit: gnttab_max_frames=${frames} on the Xen command line`,
    commands: [
      'grub-mkconfig -o /boot/grub/grub.cfg   # Debian/Ubuntu: update-grub; Fedora/CentOS: grub2-mkconfig -o /boot/grub2/grub.cfg',
    ],
    files: [
      {
        // Where GRUB_CMDLINE_XEN_DEFAULT is set last (a grub.d/*.cfg overrides /etc/default/grub).
        path: grubFile,
        change: `add gnttab_max_frames=${frames} to GRUB_CMDLINE_XEN_DEFAULT (replacing any gnttab_max_frames= there)`,
        edit: { kind: 'xen-cmdline', set: { gnttab_max_frames: String(frames) } },
      },
    ],
    reboot: true,
    note:
      `PV block and network drivers with many queues use one grant per ring slot; a full table hangs the guest's I/O. ` +
      `Per domain instead: \`max_grant_frames = ${frames}\` in its xl config (/etc/xen/<domain>.cfg) and restart ` +
      'that domain, no host reboot; Xen before 4.18 refuses a value above the host gnttab_max_frames.',
  };
}
