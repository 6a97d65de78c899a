// xen-dom0: is this the control domain, with /proc/xen usable? xenfs must be mounted on /proc/xen
// (xenstored reads /proc/xen/xsd_kva and xsd_port there), and its capabilities file says "control_d" only
// in dom0. In a guest (domU) the dom0 checks do not apply: skip, saying plainly that this is a domU and
// where to run xendoctor for the host (docs/decisions/0006-domu-checks-skip.md). A guest needs no xenfs.
import { error, fromFindings, type Probe, skip } from '../check.js';
import { domUReason } from '../context.js';
import { ParseError } from '../parsers/parse-error.js';
import { parseProcMounts } from '../parsers/proc-mounts.js';
import { mountXenfs } from '../remedies/mount-xenfs.js';

export const xenDom0: Probe = {
  id: 'xen-dom0',
  title: 'dom0 with xenfs on /proc/xen',
  requires: 'xen',
  async run(ctx) {
    const role = await ctx.dom0();
    if (role.isDomU) {
      return skip(
        `${domUReason(role)}: the dom0 checks do not apply here; run xendoctor in dom0 to check the Xen host`,
        [role.evidence],
      );
    }
    let mounts: ReturnType<typeof parseProcMounts>;
    try {
      mounts = parseProcMounts(await ctx.host.readFile('/proc/mounts'));
    } catch (caught) {
      if (caught instanceof ParseError) {
        return error(`could not parse /proc/mounts: ${caught.expected}`, [caught.message]);
      }
      throw caught;
    }
    const xenfs = mounts.find((m) => m.fsType === 'xenfs' && m.mountPoint === '/proc/xen');
    if (!xenfs) {
      const elsewhere = mounts.filter((m) => m.fsType === 'xenfs').map((m) => `/proc/mounts: ${m.line}`);
      return fromFindings({
        findings: [
          {
            code: 'xenfs-not-mounted',
            severity: 'fail',
            message:
              'xenfs is not mounted on /proc/xen: xenstored cannot start, and dom0 cannot be told from a guest',
          },
        ],
        okSummary: '',
        evidence: elsewhere.length > 0 ? elsewhere : ['/proc/mounts: no xenfs on /proc/xen'],
        remedies: [mountXenfs()],
      });
    }
    // xenfs is mounted, so capabilities exists and the role is known (a domU returned above).
    return fromFindings({
      findings: [],
      okSummary: 'dom0 (control_d), xenfs on /proc/xen',
      evidence: [`/proc/mounts: ${xenfs.line}`, role.evidence],
    });
  },
};
