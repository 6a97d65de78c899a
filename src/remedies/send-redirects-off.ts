import type { Remedy } from '../check.js';
import { interfaceName, refusal, shellJoin, sysctlKeyPart } from './quote.js';

export const SYSCTL_DROP_IN = '/etc/sysctl.d/90-xendoctor-bridge.conf';

/** The sysctl key for an interface; a dot in its name ("br0.100") is written as "/" in a key. */
export function sendRedirectsKey(conf: string): string {
  return `net.ipv4.conf.${conf.replaceAll('.', '/')}.send_redirects`;
}

/**
 * A dom0 that bridges guests should send no ICMP redirects: a sysctl.d drop-in for all, default (new
 * interfaces, including bridges created at boot after sysctl ran) and each bridge there now, applied with
 * `sysctl -p`; no reboot.
 */
export function sendRedirectsOff(bridges: readonly string[]): Remedy {
  // Bridge names come from the host: one that a sysctl.d line cannot hold is left out, with the reason.
  const refused: string[] = [];
  const safe = bridges.filter((name) => {
    const reason = refusal(() => sysctlKeyPart(interfaceName(name)));
    if (reason) refused.push(reason);
    return reason === undefined;
  });
  const keys = ['all', 'default', ...safe].map(sendRedirectsKey);
  const content = [
    '# Written by xendoctor (remedy send-redirects-off): this host bridges guests and is not their router,',
    '# so it must not send them ICMP redirects.',
    ...keys.map((key) => `${key} = 0`),
    '',
  ].join('\n');
  const argv: [string, ...string[]] = ['sysctl', '-p', SYSCTL_DROP_IN];
  return {
    id: 'send-redirects-off',
    title: 'Stop sending ICMP redirects (sysctl send_redirects = 0)',
    commands: [shellJoin(argv)],
    files: [
      {
        path: SYSCTL_DROP_IN,
        change: `set ${keys.join(', ')} to 0`,
        edit: { kind: 'write-file', content },
      },
    ],
    reboot: false,
    actions: [{ argv }],
    note:
      'The kernel sends redirects on an interface if "all" or that interface says 1, so both must be 0; ' +
      '"default" covers bridges created later. Equivalent one-off: sysctl -w <key>=0 for each key. Source: ' +
      'the seed guide ("If you use bridged networks with real internet IPs in hosted environments, it may be ' +
      'necessary..."); redirects are only sent for forwarded packets. Cost: none for a host that is not a ' +
      "router; one that routes on purpose stops correcting its hosts' routes." +
      (refused.length > 0
        ? ` Left out, as these names cannot be written safely: ${refused.join('; ')}.`
        : ''),
  };
}
