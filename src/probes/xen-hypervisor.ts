// xen-hypervisor: is this kernel running under Xen? /sys/hypervisor/type is the authority (the directory
// exists without Xen, and the cpuinfo "hypervisor" flag is set on any VM); the kernel's boot line tells a
// Xen-capable kernel booted on bare hardware apart from a host without Xen at all.
import { fromFindings, type Probe } from '../check.js';
import type { Context } from '../context.js';
import { findBootLine } from '../parsers/dmesg.js';
import { bootXenEntry } from '../remedies/boot-xen-entry.js';
import { installXen } from '../remedies/install-xen.js';

export const xenHypervisor: Probe = {
  id: 'xen-hypervisor',
  title: 'kernel runs under Xen',
  async run(ctx) {
    const [xen, dmesg] = await Promise.all([ctx.xen(), ctx.run(['dmesg'])]);
    // The boot line is evidence, not a requirement: on long uptimes the ring buffer has dropped it.
    const boot = dmesg.exitCode === 0 ? findBootLine(dmesg.stdout) : undefined;
    const evidence = [xen.evidence];
    if (boot) evidence.push(`dmesg: ${boot.line}`);
    else if (dmesg.notFound) evidence.push('dmesg: not found');
    else if (dmesg.failed)
      evidence.push(`dmesg: unreadable (${dmesg.stderr.trim() || `exit ${dmesg.exitCode}`})`);
    else evidence.push('dmesg: no "Booting ... kernel on" line (ring buffer rotated?)');

    if (xen.underXen) return fromFindings({ findings: [], okSummary: 'running under Xen', evidence });
    if (boot?.platform === 'bare-hardware') {
      return fromFindings({
        findings: [
          {
            code: 'booted-without-xen',
            severity: 'fail',
            message: 'the kernel was booted on bare hardware, without the Xen hypervisor',
          },
        ],
        okSummary: '',
        evidence,
        remedies: [bootXenEntry(await ctx.bootLoader())],
      });
    }
    // Without a hypervisor, is Xen installed at all? That decides between "boot it" and "install it".
    const installed = await xenInstalled(ctx);
    const where = boot?.platform === 'other' ? ` (${boot.line.replace(/^\[[^\]]*\]\s*/, '')})` : '';
    if (installed.length === 0) {
      evidence.push('no xl on the path and no xen*.gz or xen*.efi in /boot');
      return fromFindings({
        findings: [
          {
            code: 'xen-not-installed',
            severity: 'fail',
            message: `not a Xen host: no hypervisor running${where}`,
          },
        ],
        okSummary: '',
        evidence,
        remedies: [installXen()],
      });
    }
    evidence.push(...installed);
    return fromFindings({
      findings: [{ code: 'not-under-xen', severity: 'fail', message: `not running under Xen${where}` }],
      okSummary: '',
      evidence,
      remedies: [bootXenEntry(await ctx.bootLoader())],
    });
  },
};

/** Evidence that Xen is installed: the toolstack on the path, or a hypervisor image in /boot. */
async function xenInstalled(ctx: Context): Promise<string[]> {
  const [xl, boot] = await Promise.all([
    ctx.host.which('xl'),
    ctx.host.listDir('/boot').catch(() => undefined),
  ]);
  const images = (boot ?? []).filter((name) => /^xen.*\.(gz|efi)$/.test(name));
  return [...(xl ? [`xl: ${xl}`] : []), ...images.map((name) => `/boot/${name}`)];
}
