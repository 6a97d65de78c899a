// bridge-redirects: a host that bridges guests must not send ICMP redirects. When dom0 also routes
// (forwarding on, guests and their gateway on the bridge's subnet), a packet that leaves by the interface it
// came in on makes the kernel tell the guest to go elsewhere: guests' routes change behind the admin's back.
// The kernel sends them on an interface when conf/all OR conf/<dev> says 1, so all, default (interfaces
// created later) and each bridge must read 0. Plain procfs reads, no command.
import { error, type Finding, fromFindings, type Outcome, type Probe, skip } from '../check.js';
import { bridges, noBridgeReason } from '../net/bridges.js';
import { excerpt } from '../parsers/parse-error.js';
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
        findings.push({ code: 'send-redirects-on', severity: 'warn', message: `${key} = 1` });
      }
    }
    if (unreadable.length > 0) return error(`could not read ${unreadable.join(', ')}`, evidence);
    if (read.length === 0)
      return skip('no /proc/sys/net/ipv4/conf/*/send_redirects (IPv4 disabled?)', evidence);
    return fromFindings({
      findings,
      okSummary: `send_redirects is 0 for ${read.join(', ')}`,
      summary: `ICMP redirects on: send_redirects = 1 for ${on.join(', ')}`,
      evidence,
      remedies: [sendRedirectsOff(names)],
    });
  },
};
