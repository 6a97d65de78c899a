// Shared by start-xen-daemons and enable-xen-services: which service manager owns a Xen service.

/** How a service is managed: OpenRC script, systemd unit (native or generated from SysV), SysV script. */
export type ServiceManager = 'openrc' | 'systemd' | 'sysv';

/** A Xen service on this host, e.g. { manager: 'systemd', name: 'xen' } for Debian's xen.service. */
export interface XenService {
  manager: ServiceManager;
  /** The script or unit name without ".service". */
  name: string;
  /** systemd: the unit is masked and must be unmasked before it can be enabled or started. */
  masked?: boolean;
  /** OpenRC: the runlevel to add it to (the one the host boots into); "default" when not given. */
  runlevel?: string;
}

/** The name a person types: "xen.service" for systemd, the script name otherwise. */
export function serviceLabel(service: XenService): string {
  return service.manager === 'systemd' ? `${service.name}.service` : service.name;
}
