import type { Remedy } from '../check.js';

/** xl balloons dom0 down to make room for guests: turn that off in /etc/xen/xl.conf (read on every xl run). */
export function autoballoonOff(): Remedy {
  return {
    id: 'autoballoon-off',
    title: 'Stop xl from ballooning dom0: autoballoon="off" in /etc/xen/xl.conf',
    commands: [
      `sed -i -E 's/^[#[:space:]]*autoballoon[[:space:]]*=.*/autoballoon="off"/' /etc/xen/xl.conf`,
      `grep -q '^autoballoon=' /etc/xen/xl.conf || echo 'autoballoon="off"' >> /etc/xen/xl.conf`,
    ],
    files: [
      {
        path: '/etc/xen/xl.conf',
        change: 'autoballoon="off" (uncommenting or replacing the existing line)',
        edit: { kind: 'shell-var', name: 'autoballoon', value: 'off' },
      },
    ],
    reboot: false,
    note:
      'Takes effect with the next xl command. Fix dom0_mem first (dom0-mem): without it dom0 owns all memory ' +
      'and, with ballooning off, no new guest fits.',
  };
}
