import type { Remedy, RemedyAction } from '../check.js';
import { shellJoin } from './quote.js';
import { serviceLabel, type XenService } from './xen-services.js';

/**
 * Start the Xen daemons that are not running, through the service that owns them. `restart` is for an
 * umbrella service the init system still thinks is running (Debian's xen.service stays "active" after its
 * xenconsoled died), so only a restart runs its start code again.
 */
export function startXenDaemons(opts: {
  missing: readonly string[];
  services: readonly { service: XenService; restart: boolean }[];
  xenstoredMissing: boolean;
}): Remedy {
  const actions: RemedyAction[] = [];
  for (const { service, restart } of opts.services) {
    const unit = serviceLabel(service);
    if (service.manager === 'openrc') {
      // "zap" forgets a crashed service's state without running its stop (which would also stop
      // dependants such as xendomains, i.e. the domUs); "start" then starts only this daemon.
      actions.push({ argv: ['rc-service', service.name, 'zap'] });
      actions.push({ argv: ['rc-service', service.name, 'start'], timeoutMs: 120_000 });
    } else if (service.manager === 'systemd') {
      if (service.masked) actions.push({ argv: ['systemctl', 'unmask', unit] });
      // A native unit notices its daemon died, so "start" suffices and, unlike "restart", does not
      // propagate to units that Require= it (xendomains.service would shut the domUs down).
      actions.push({ argv: ['systemctl', restart ? 'restart' : 'start', unit], timeoutMs: 120_000 });
    } else {
      actions.push({ argv: ['service', service.name, restart ? 'restart' : 'start'], timeoutMs: 120_000 });
    }
  }
  const commands = actions.map((action) => shellJoin(action.argv));
  if (commands.length === 0) {
    commands.push(
      'ls /etc/init.d /usr/lib/systemd/system | grep -i xen   # find what starts the Xen daemons',
    );
  }
  const notes = [`Starts ${opts.missing.join(' and ')}; check again with \`xendoctor --check xen-daemons\`.`];
  if (opts.xenstoredMissing) {
    notes.push(
      'Running domains lost their xenstore connection when xenstored died: a new xenstored does not give it back, so plan a host reboot.',
    );
  }
  return {
    id: 'start-xen-daemons',
    title: `Start ${opts.missing.join(' and ')}`,
    commands,
    files: [],
    reboot: false,
    note: notes.join(' '),
    ...(actions.length > 0 ? { actions } : {}),
  };
}
