// cpu-virtualization: can this host run HVM/PVH guests? Without Xen the CPU flags say it (vmx = Intel VT-x,
// svm = AMD-V). Under Xen they do not: Xen hides vmx/svm from a PV dom0's /proc/cpuinfo, so only the
// hypervisor's own report (`xl info` virt_caps / xen_caps) counts there. The cpuinfo "hypervisor" flag says
// nothing (it is set on any VM, with or without Xen) and is never read.
import { error, fromFindings, type MetricSample, type Outcome, ok, type Probe, skip } from '../check.js';
import { type Context, domUReason } from '../context.js';
import { parseCpuinfo } from '../parsers/cpuinfo.js';
import { ParseError } from '../parsers/parse-error.js';
import { enableVirtualizationFirmware } from '../remedies/enable-virtualization-firmware.js';

const METRIC = 'cpu_virtualization_available';
const HELP =
  '1 when hardware virtualization (HVM) is available: from `xl info` virt_caps/xen_caps under Xen ' +
  "(dom0's /proc/cpuinfo hides vmx/svm), else the vmx/svm flags of /proc/cpuinfo.";

function sample(available: boolean): MetricSample[] {
  return [{ name: METRIC, help: HELP, labels: {}, value: available ? 1 : 0 }];
}

export const cpuVirtualization: Probe = {
  id: 'cpu-virtualization',
  title: 'hardware virtualization (VT-x/AMD-V)',
  async run(ctx) {
    const xen = await ctx.xen();
    return xen.underXen ? underXen(ctx) : fromCpuinfo(ctx, xen.evidence);
  },
};

async function underXen(ctx: Context): Promise<Outcome> {
  // In a guest xl cannot ask the hypervisor (it may be installed and fail), and the host's hardware is not
  // this guest's business. A dom0 without xenfs mounted still lets xl answer.
  const role = await ctx.dom0();
  if (role.isDomU) {
    return skip(`${domUReason(role)}: only dom0 can ask Xen whether the hardware has HVM`, [role.evidence]);
  }
  const info = await ctx.xlInfo();
  if (!info.ok) {
    // A dom0 without a working xl cannot see: error. Under Xen but not known to be dom0 (xenfs not
    // mounted: see xen-dom0), a missing xl is one more sign of that, not a blind check.
    if (!info.result.notFound || (await ctx.dom0()).isDom0) return info.outcome;
    return skip(`${info.outcome.summary}: under Xen only \`xl info\` can tell (cpuinfo hides vmx/svm)`, [
      ...info.outcome.evidence,
    ]);
  }
  const { virtCaps, xenCaps } = info.value;
  const evidence = [
    `xl info: virt_caps: ${virtCaps.join(' ') || '(none)'}`,
    `xl info: xen_caps: ${xenCaps.join(' ') || '(none)'}`,
  ];
  // virt_caps (Xen >= 4.12) lists "hvm"; older Xen only has xen_caps "hvm-3.0-x86_64" entries.
  const hvm = virtCaps.includes('hvm') || xenCaps.some((cap) => cap.startsWith('hvm-'));
  if (hvm) return ok('HVM available (xl info)', evidence, sample(true));
  const vendor = await cpuVendor(ctx);
  return fromFindings({
    findings: [
      {
        code: 'no-hvm',
        severity: 'warn',
        message: 'Xen reports no HVM support: PV guests work, HVM and PVH guests cannot start',
      },
    ],
    okSummary: '',
    evidence,
    remedies: [enableVirtualizationFirmware({ vendor, underXen: true })],
    metrics: sample(false),
  });
}

async function fromCpuinfo(ctx: Context, xenEvidence: string): Promise<Outcome> {
  const text = await ctx.host.readFileIfExists('/proc/cpuinfo');
  if (text === undefined) return skip('/proc/cpuinfo is missing', ['/proc/cpuinfo: missing']);
  let cpu: ReturnType<typeof parseCpuinfo>;
  try {
    cpu = parseCpuinfo(text);
  } catch (caught) {
    if (caught instanceof ParseError)
      return error(`could not parse /proc/cpuinfo: ${caught.expected}`, [caught.message]);
    throw caught;
  }
  if (cpu.flags === undefined) {
    return skip('/proc/cpuinfo has no x86 "flags" line (not an x86 CPU?)', [xenEvidence]);
  }
  // vmx disappears from cpuinfo when the firmware disables VT-x (Linux >= 5.6); AMD keeps svm even when
  // the firmware locks SVM off, which only the kernel log ("SVM disabled by BIOS") or a Xen boot reveals.
  const found = ['vmx', 'svm'].filter((flag) => cpu.flags?.includes(flag));
  const evidence = [
    xenEvidence,
    `/proc/cpuinfo: ${cpu.vendor ?? 'unknown vendor'}, ${cpu.processors} CPU(s), flags ${found.length ? `include ${found.join(' ')}` : 'have neither vmx nor svm'}`,
  ];
  if (found.length > 0) {
    const name = found.includes('vmx') ? 'Intel VT-x (vmx)' : 'AMD-V (svm)';
    return ok(`${name} available`, evidence, sample(true));
  }
  return fromFindings({
    findings: [
      {
        code: 'no-hardware-virtualization',
        severity: 'fail',
        message:
          'the CPU reports neither vmx (Intel VT-x) nor svm (AMD-V): disabled in the firmware or not supported; HVM and PVH guests cannot run',
      },
    ],
    okSummary: '',
    evidence,
    remedies: [enableVirtualizationFirmware({ vendor: cpu.vendor, underXen: false })],
    metrics: sample(false),
  });
}

// The vendor only sharpens the remedy's wording; a missing or odd cpuinfo must not change the verdict.
async function cpuVendor(ctx: Context): Promise<string | undefined> {
  const text = await ctx.host.readFileIfExists('/proc/cpuinfo');
  if (text === undefined) return undefined;
  try {
    return parseCpuinfo(text).vendor;
  } catch {
    return undefined;
  }
}
