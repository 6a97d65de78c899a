import type { Remedy } from '../check.js';

/**
 * Domains stuck dying: Xen frees a domain only when every page is released; a backend, a device model or a
 * leftover `xl` that still maps its memory keeps it a "zombie" holding its RAM.
 */
export function releaseDyingDomain(domids: readonly number[]): Remedy {
  return {
    id: 'release-dying-domain',
    title: `Release dying domain${domids.length > 1 ? 's' : ''} ${domids.join(', ')}`,
    commands: [
      'xl list   # still there after a minute? then it is stuck',
      ...domids.map((domid) => `xl destroy ${domid}`),
      'ps -eo pid,args | grep -E "qemu|xl "   # a device model or xl process still holding the domain?',
      'xl dmesg | tail -n 30',
    ],
    files: [],
    reboot: false,
    note: 'Stop what still maps the domain (a qemu or xl process, a backend in a driver domain); if nothing does and it stays, only a host reboot frees its memory.',
  };
}
