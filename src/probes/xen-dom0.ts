// xen-dom0: is this the control domain, with /proc/xen usable? xenfs must be mounted on /proc/xen
// (xenstored reads /proc/xen/xsd_kva and xsd_port there), and its capabilities file says "control_d" only
// in dom0: in a guest (domU) xendoctor has nothing to check, which must be said plainly, not as a skip.
import { error, fromFindings, type Probe } from '../check.js';
import { ParseError } from '../parsers/parse-error.js';
import { parseProcMounts } from '../parsers/proc-mounts.js';
import { mountXenfs } from '../remedies/mount-xenfs.js';

export const xenDom0: Probe = {
  id: 'xen-dom0',
  title: 'dom0 with xenfs on /proc/xen',
  requires: 'xen',
  async run(ctx) {
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
    const dom0 = await ctx.dom0();
    const evidence = [`/proc/mounts: ${xenfs.line}`, dom0.evidence];
    if (dom0.isDom0) {
      return fromFindings({ findings: [], okSummary: 'dom0 (control_d), xenfs on /proc/xen', evidence });
    }
    // No remedy: a guest cannot become dom0; the check has to run somewhere else.
    return fromFindings({
      findings: [
        {
          code: 'not-dom0',
          severity: 'fail',
          message:
            'this is a Xen guest (domU), not dom0: /proc/xen/capabilities has no control_d; run xendoctor in dom0',
        },
      ],
      okSummary: '',
      evidence,
    });
  },
};
