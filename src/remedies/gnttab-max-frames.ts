import type { Remedy } from '../check.js';
import { DEFAULT_XEN_BOOT, joinNotes, type XenBootTarget, xenOptionChange } from './xen-boot-options.js';

/** A domain is close to (or at) its grant frame limit: raise the limit for every domain on the Xen line. */
export function gnttabMaxFrames(frames = 256, boot: XenBootTarget = DEFAULT_XEN_BOOT): Remedy {
  const change = xenOptionChange(boot, { gnttab_max_frames: String(frames) });
  return {
    id: 'gnttab-max-frames',
    title: `Raise the grant table limit: gnttab_max_frames=${frames} on the Xen command line`,
    commands: change.commands,
    files: change.files,
    reboot: true,
    note: joinNotes(
      `PV block and network drivers with many queues use one grant per ring slot; a full table hangs the guest's I/O. ` +
        `Per domain instead: \`max_grant_frames = ${frames}\` in its xl config (/etc/xen/<domain>.cfg) and restart ` +
        'that domain, no host reboot; Xen before 4.18 refuses a value above the host gnttab_max_frames.',
      change.note,
    ),
  };
}
