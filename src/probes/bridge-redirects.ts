// bridge-redirects: a host that bridges guests must not send ICMP redirects. When dom0 also routes
// (forwarding on, guests and their gateway on the bridge's subnet), a packet that leaves by the interface it
// came in on makes the kernel tell the guest to go elsewhere: guests' routes change behind the admin's back.
// The kernel sends them on an interface when conf/all OR conf/<dev> says 1, so all, default (interfaces
// created later) and each bridge must read 0. Plain procfs reads, no command.
// The kernel default is 1, and a dom0 that does not forward never sends one (redirects are only sent for
// forwarded packets, net/ipv4/ip_forward.c), so send_redirects=1 alone is advice, as the seed guide has it
// ("If you use bridged networks with real internet IPs in hosted environments, it may be necessary...").
// It is a warning when dom0 forwards (ip_forward=1 on this bridged host) or has sent redirects already
// (Icmp OutRedirects > 0 in /proc/net/snmp).
import { error, type Finding, fromFindings, type Outcome, type Probe, skip } from '../check.js';
import type { Host } from '../host/host.js';
import { bridges, noBridgeReason } from '../net/bridges.js';
import { parseNetSnmp } from '../parsers/net-snmp.js';
import { excerpt, ParseError } from '../parsers/parse-error.js';
import { sendRedirectsKey, sendRedirectsOff } from '../remedies/send-redirects-off.js';

export const bridgeRedirects: Probe = {
  id: 'bridge-redirects',
  title: 'ICMP redirects on bridges',
  async run(ctx): Promise<Outcome> {
    const found = await bridges(ctx);
    const none = noBridgeReason(found);
    if (none) return skip(none);
    const names = found.bridges.map((b) => b.name);
    const confs = ['all', 'default', ...names];
    const values = await Promise.all(
      confs.map((conf) => ctx.host.readFileIfExists(`/proc/sys/net/ipv4/conf/${conf}/send_redirects`)),
    );

    const evidence: string[] = [];
    const findings: Finding[] = [];
    const unreadable: string[] = [];
    const read: string[] = [];
    const on: string[] = [];
    for (const [i, conf] of confs.entries()) {
      const key = sendRedirectsKey(conf);
      const text = values[i];
      if (text === undefined) {
        // No IPv4 on this interface (or no IPv4 at all): nothing to send redirects with.
        evidence.push(`${key}: missing`);
        continue;
      }
      const value = text.trim();
      if (value !== '0' && value !== '1') {
        unreadable.push(key);
        evidence.push(
          `/proc/sys/net/ipv4/conf/${conf}/send_redirects: expected 0 or 1 (got: ${JSON.stringify(excerpt(text))})`,
        );
        continue;
      }
      read.push(conf);
      evidence.push(`${key} = ${value}`);
      if (value === '1') {
        on.push(conf);
        findings.push({ code: 'send-redirects-on', severity: 'advice', message: `${key} = 1` });
      }
    }
    if (unreadable.length > 0) return error(`could not read ${unreadable.join(', ')}`, evidence);
    if (read.length === 0)
      return skip('no /proc/sys/net/ipv4/conf/*/send_redirects (IPv4 disabled?)', evidence);
    if (findings.length > 0) {
      const forwarding = await forwardingEvidence(ctx.host);
      if (forwarding.problem) return error(forwarding.problem, [...evidence, ...forwarding.evidence]);
      evidence.push(...forwarding.evidence);
      if (forwarding.sends) for (const f of findings) f.severity = 'warn';
    }
    return fromFindings({
      findings,
      okSummary: `send_redirects is 0 for ${read.join(', ')}`,
      summary: `ICMP redirects on: send_redirects = 1 for ${on.join(', ')}`,
      evidence,
      remedies: [sendRedirectsOff(names)],
    });
  },
};

/**
 * Whether dom0 sends redirects in practice: it forwards (ip_forward=1) or has sent some (OutRedirects).
 * A missing file is no evidence either way (said in the evidence); garbage is a problem.
 */
async function forwardingEvidence(
  host: Host,
): Promise<{ sends: boolean; evidence: string[]; problem?: string }> {
  const evidence: string[] = [];
  let sends = false;
  const forward = await host.readFileIfExists('/proc/sys/net/ipv4/ip_forward');
  if (forward === undefined) evidence.push('net.ipv4.ip_forward: missing');
  else if (forward.trim() === '0' || forward.trim() === '1') {
    evidence.push(
      `net.ipv4.ip_forward = ${forward.trim()}${forward.trim() === '1' ? ' (dom0 routes: redirects are sent)' : ' (dom0 does not route)'}`,
    );
    if (forward.trim() === '1') sends = true;
  } else {
    return {
      sends,
      evidence: [`/proc/sys/net/ipv4/ip_forward: expected 0 or 1 (got: ${JSON.stringify(excerpt(forward))})`],
      problem: 'could not read net.ipv4.ip_forward',
    };
  }
  const snmp = await host.readFileIfExists('/proc/net/snmp');
  if (snmp === undefined) evidence.push('/proc/net/snmp: missing, OutRedirects unknown');
  else {
    let sent: number | undefined;
    try {
      sent = parseNetSnmp(snmp).get('Icmp')?.get('OutRedirects');
    } catch (caught) {
      if (!(caught instanceof ParseError)) throw caught;
      return { sends, evidence: [caught.message], problem: 'could not parse /proc/net/snmp' };
    }
    if (sent === undefined) evidence.push('/proc/net/snmp: no Icmp OutRedirects counter');
    else {
      evidence.push(`/proc/net/snmp: Icmp OutRedirects ${sent}`);
      if (sent > 0) sends = true;
    }
  }
  return { sends, evidence };
}
