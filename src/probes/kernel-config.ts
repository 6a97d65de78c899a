// kernel-config: was the running kernel built with what its role needs (dom0: backends and xenfs; a guest:
// the frontends)? Reads /proc/config.gz (the running kernel's own config, when built with
// CONFIG_IKCONFIG_PROC), else /boot/config-<release> (Debian, Ubuntu, Fedora) or /boot/config-<flavour>
// (Alpine). No `requires`: it is most useful before Xen is installed or booted.
import { gunzipSync } from 'node:zlib';
import { error, type Finding, fromFindings, type Outcome, type Probe, skip } from '../check.js';
import { type Context, domUReason } from '../context.js';
import { HostFileError } from '../host/host.js';
import { isEnabled, type KernelConfig, parseKernelConfig } from '../parsers/kernel-config.js';
import { ParseError } from '../parsers/parse-error.js';
import { kernelConfigOptions } from '../remedies/kernel-config-options.js';
import { remembered } from '../remembered.js';

/** A dom0 option: a missing `fail` one breaks dom0 itself, a missing `warn` one only some setups. */
export interface Dom0Option {
  name: string;
  severity: 'fail' | 'warn';
  /** What goes wrong without it. */
  without: string;
  menu: string;
}

export const DOM0_OPTIONS: readonly Dom0Option[] = [
  {
    name: 'XEN_DOM0',
    severity: 'fail',
    without: 'the kernel cannot boot as dom0',
    menu: 'Processor type and features > Linux guest support > Xen guest support > Xen Dom0 support',
  },
  // fail: xenstored (C and OCaml) reads /proc/xen/xsd_kva and /proc/xen/xsd_port from xenfs to reach
  // dom0's own store ring; without xenfs it exits and no toolstack command works.
  {
    name: 'XENFS',
    severity: 'fail',
    without: 'no xenfs: xenstored cannot read /proc/xen/xsd_kva',
    menu: 'Device Drivers > Xen driver support > Xen filesystem',
  },
  // fail, although the issue suggested warn: the kernel creates the /proc/xen mount point only with this
  // option (xenbus_init), and procfs takes no mkdir, so the path xenstored hard-codes cannot exist without it.
  {
    name: 'XEN_COMPAT_XENFS',
    severity: 'fail',
    without: 'no /proc/xen mount point, where xenstored looks for xenfs',
    menu: 'Device Drivers > Xen driver support > Create compatibility mount point /proc/xen',
  },
  {
    name: 'XEN_DEV_EVTCHN',
    severity: 'fail',
    without: 'no /dev/xen/evtchn: xenstored and xenconsoled cannot receive event channels',
    menu: 'Device Drivers > Xen driver support > Xen /dev/xen/evtchn device',
  },
  // fail: xenstored maps each guest's store ring through /dev/xen/gntdev, as do qemu's backends.
  {
    name: 'XEN_GNTDEV',
    severity: 'fail',
    without: 'no /dev/xen/gntdev: xenstored and qemu cannot map guest pages',
    menu: 'Device Drivers > Xen driver support > userspace grant access device driver',
  },
  // warn from here: dom0 runs; some guests or some setups lose a feature.
  {
    name: 'XEN_SYS_HYPERVISOR',
    severity: 'warn',
    without: 'no /sys/hypervisor/type: xendoctor and other tools cannot tell they run under Xen',
    menu: 'Device Drivers > Xen driver support > Create xen entries under /sys/hypervisor',
  },
  {
    name: 'XEN_BACKEND',
    severity: 'warn',
    without: 'no in-kernel backends: guests get disks and networks only from qemu',
    menu: 'Device Drivers > Xen driver support > Backend driver support',
  },
  // fail (issue 16): xl creates a vif and a phy:/raw-file disk through these backends, so no guest with a
  // network interface or such a disk can start; only qdisk-only, network-less guests could.
  {
    name: 'XEN_NETDEV_BACKEND',
    severity: 'fail',
    without: 'no netback: no guest with a network interface (vif) can start',
    menu: 'Device Drivers > Network device support > Xen backend network device',
  },
  {
    name: 'XEN_BLKDEV_BACKEND',
    severity: 'fail',
    without: "no blkback: no guest with a phy: or raw-file disk can start (only qemu's qdisk disks)",
    menu: 'Device Drivers > Block devices > Xen block-device backend driver',
  },
  {
    name: 'BRIDGE',
    severity: 'warn',
    without:
      'no Linux bridge: xenbr0-style networking is impossible (routed or Open vSwitch setups are fine)',
    menu: 'Networking support > Networking options > 802.1d Ethernet Bridging',
  },
];

/** The findings for a parsed config: one per missing option, in DOM0_OPTIONS order. */
export function missingDom0Options(config: KernelConfig): Dom0Option[] {
  return DOM0_OPTIONS.filter((option) => !isEnabled(config, option.name));
}

/** What a guest (domU) kernel needs to use Xen's paravirtual devices; all warn, the guest boots anyway. */
export const GUEST_OPTIONS: readonly Dom0Option[] = [
  {
    name: 'XEN_BLKDEV_FRONTEND',
    severity: 'warn',
    without:
      'no blkfront: the guest sees its xl disks only as emulated (HVM) devices, or not at all (PV, PVH)',
    menu: 'Device Drivers > Block devices > Xen virtual block device support',
  },
  {
    name: 'XEN_NETDEV_FRONTEND',
    severity: 'warn',
    without: 'no netfront: the guest sees its vifs only as emulated (HVM) NICs, or not at all (PV, PVH)',
    menu: 'Device Drivers > Network device support > Xen network device frontend driver',
  },
  {
    name: 'HVC_XEN',
    severity: 'warn',
    without: 'no Xen console (hvc0): `xl console` shows nothing for a PV or PVH guest',
    menu: 'Device Drivers > Character devices > Xen Hypervisor Console support',
  },
];

// The daemon reads the config every cycle; it changes only when another kernel boots.
const parseConfig = remembered(parseKernelConfig, 1);

export const kernelConfig: Probe = {
  id: 'kernel-config',
  title: 'kernel config for dom0',
  async run(ctx) {
    const role = await guestRole(ctx);
    const found = await findConfig(ctx);
    if ('outcome' in found) return found.outcome;
    let config: KernelConfig;
    try {
      config = parseConfig(found.text);
    } catch (caught) {
      if (caught instanceof ParseError) {
        return error(`could not parse ${found.source}: ${caught.expected}`, [caught.message]);
      }
      throw caught;
    }
    const options = role.guest ? GUEST_OPTIONS : DOM0_OPTIONS;
    const evidence = [
      `${found.source}: read`,
      ...(role.guest ? [role.evidence] : []),
      ...options.map((o) => {
        const value = config.get(o.name);
        return value === undefined
          ? `CONFIG_${o.name}: absent`
          : value === 'n'
            ? `# CONFIG_${o.name} is not set`
            : `CONFIG_${o.name}=${value}`;
      }),
    ];
    const missing = options.filter((option) => !isEnabled(config, option.name));
    const findings: Finding[] = missing.map((o) => ({
      code: `missing-config-${o.name.toLowerCase().replaceAll('_', '-')}`,
      severity: o.severity,
      message: `CONFIG_${o.name} is not enabled: ${o.without}`,
    }));
    return fromFindings({
      findings,
      okSummary: `all ${options.length} ${role.guest ? 'guest' : 'dom0'} options are enabled (y or m)`,
      summary: `${found.source} lacks ${missing.map((o) => `CONFIG_${o.name}`).join(', ')}`,
      evidence,
      remedies: missing.length > 0 ? [kernelConfigOptions(missing)] : [],
    });
  },
};

/**
 * A guest (domU) runs under Xen and is known not to be dom0 (Context.dom0: capabilities without control_d,
 * or no XENFEAT_dom0). When the role is not known (a dom0 before xenfs is mounted), dom0's needs are checked.
 */
async function guestRole(ctx: Context): Promise<{ guest: boolean; evidence: string }> {
  const [xen, role] = await Promise.all([ctx.xen(), ctx.dom0()]);
  if (xen.underXen && role.isDomU) {
    return { guest: true, evidence: `role: guest (${domUReason(role)}; ${role.evidence})` };
  }
  return { guest: false, evidence: '' };
}

type Found = { text: string; source: string } | { outcome: Outcome };

// A real config is ~260 KB unpacked; a bound keeps a corrupt or hostile file from eating dom0's memory.
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

// /proc/config.gz first: it is the running kernel's, while /boot/config-<release> is whatever was last
// installed under that release name (a custom rebuild may reuse it).
async function findConfig(ctx: Context): Promise<Found> {
  const gz = await readBytesIfExists(ctx, '/proc/config.gz');
  if (gz !== undefined) {
    try {
      const text = gunzipSync(gz, { maxOutputLength: MAX_CONFIG_BYTES }).toString('utf8');
      return { text, source: '/proc/config.gz' };
    } catch (caught) {
      const why = caught instanceof Error ? caught.message : String(caught);
      return {
        outcome: error(`could not gunzip /proc/config.gz: ${why}`, [`/proc/config.gz: ${gz.length} bytes`]),
      };
    }
  }
  const evidence = ['/proc/config.gz: missing'];
  const looked = ['/proc/config.gz'];
  const release = (await ctx.host.readFileIfExists('/proc/sys/kernel/osrelease'))?.trim();
  // A release is a file name component ("6.1.0-56-amd64"); anything else is not looked up.
  if (release && /^[A-Za-z0-9._+~-]+$/.test(release)) {
    // Alpine names the config by flavour: release "6.6.31-0-lts" installs /boot/config-lts.
    const flavour = /-\d+-([a-z]+)$/.exec(release)?.[1];
    for (const file of [`/boot/config-${release}`, ...(flavour ? [`/boot/config-${flavour}`] : [])]) {
      const text = await ctx.host.readFileIfExists(file);
      if (text !== undefined) return { text, source: file };
      looked.push(file);
      evidence.push(`${file}: missing`);
    }
  } else {
    evidence.push(
      `/proc/sys/kernel/osrelease: ${release === undefined ? 'missing' : JSON.stringify(release)}`,
    );
  }
  return {
    outcome: skip(
      `no kernel config found (looked at ${looked.join(' and ')}; CONFIG_IKCONFIG_PROC=y provides /proc/config.gz)`,
      evidence,
    ),
  };
}

async function readBytesIfExists(ctx: Context, file: string): Promise<Buffer | undefined> {
  try {
    return await ctx.host.readFileBytes(file);
  } catch (caught) {
    if (caught instanceof HostFileError && (caught.code === 'ENOENT' || caught.code === 'ENOTDIR')) {
      return undefined;
    }
    throw caught;
  }
}
