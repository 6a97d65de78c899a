import type { Remedy, RemedyAction } from '../check.js';
import { shellJoin } from './quote.js';
import { serviceLabel, type XenService } from './xen-services.js';

/** Enable the Xen services that will not start at the next boot (and start them now where that is safe). */
export function enableXenServices(services: readonly XenService[]): Remedy {
  const actions: RemedyAction[] = [];
  for (const service of services) {
    const unit = serviceLabel(service);
    if (service.manager === 'openrc') {
      actions.push({ argv: ['rc-update', 'add', service.name, service.runlevel ?? 'default'] });
    } else if (service.manager === 'systemd') {
      if (service.masked) actions.push({ argv: ['systemctl', 'unmask', unit] });
      // For a unit generated from /etc/init.d, systemctl hands this to update-rc.d / systemd-sysv-install.
      actions.push({ argv: ['systemctl', 'enable', '--now', unit], timeoutMs: 120_000 });
    } else {
      actions.push({ argv: ['update-rc.d', service.name, 'defaults'] });
    }
  }
  return {
    id: 'enable-xen-services',
    title: `Enable ${services.map(serviceLabel).join(', ')} at boot`,
    commands: actions.map((action) => shellJoin(action.argv)),
    files: [],
    reboot: false,
    note: 'Without these the Xen daemons (or the domUs, for xendomains) do not come back after a reboot.',
    actions,
  };
}
