// Names and counters of the Xen backend devices dom0 serves, from sysfs alone: a vif's kernel network device
// /sys/class/net/vif<domid>.<n> and a VBD's xenbus device /sys/bus/xen-backend/devices/vbd-<domid>-<vdev>.
import { ParseError } from './parse-error.js';

/** A backend network interface: vif<domid>.<n> (vif1.0), the n-th NIC of domain domid. */
export interface VifName {
  domid: number;
  index: number;
}

/** A backend block device: vbd-<domid>-<vdev> (vbd-1-51712), vdev the guest's virtual device number. */
export interface VbdName {
  domid: number;
  vdev: number;
}

/** "vif3.1" -> { domid: 3, index: 1 }; anything else (vif3.1-emu, a renamed vif) -> undefined. */
export function parseVifName(name: string): VifName | undefined {
  const match = /^vif(\d{1,5})\.(\d{1,5})$/.exec(name);
  return match ? { domid: Number(match[1]), index: Number(match[2]) } : undefined;
}

/** "vbd-1-51712" -> { domid: 1, vdev: 51712 }; other xen-backend devices (vif-1-0, qdisk-...) -> undefined. */
export function parseVbdName(name: string): VbdName | undefined {
  const match = /^vbd-(\d{1,5})-(\d{1,10})$/.exec(name);
  return match ? { domid: Number(match[1]), vdev: Number(match[2]) } : undefined;
}

/**
 * The guest's name for a virtual device number, as Xen's docs/misc/vbd-interface.txt encodes it:
 * 202<<8 | disk<<4 | partition is xvd (51712 "xvda", 51729 "xvdb1"), 1<<28 | disk<<8 | partition the
 * extended xvd form for disks past 15, 8<<8 sd, 3<<8 and 22<<8 hd (two disks each). Anything else is
 * "vbd<vdev>" so that a label is always there and always from a bounded alphabet.
 */
export function vbdDeviceName(vdev: number): string {
  const major = vdev >> 8;
  if (vdev >= 1 << 28 && vdev < 1 << 29) {
    const disk = (vdev >> 8) & 0xfffff;
    return `xvd${diskLetters(disk)}${partition(vdev & 0xff)}`;
  }
  if (vdev < 1 << 16) {
    if (major === 202) return `xvd${diskLetters((vdev >> 4) & 0xf)}${partition(vdev & 0xf)}`;
    if (major === 8) return `sd${diskLetters((vdev >> 4) & 0xf)}${partition(vdev & 0xf)}`;
    if (major === 3) return `hd${diskLetters((vdev >> 6) & 1)}${partition(vdev & 0x3f)}`;
    if (major === 22) return `hd${diskLetters(2 + ((vdev >> 6) & 1))}${partition(vdev & 0x3f)}`;
  }
  return `vbd${vdev}`;
}

// 0 a, 25 z, 26 aa, 27 ab ... (Linux's disk naming).
function diskLetters(disk: number): string {
  let name = '';
  for (let n = disk + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(97 + ((n - 1) % 26)) + name;
  }
  return name;
}

const partition = (n: number) => (n === 0 ? '' : String(n));

/**
 * Parses one sysfs counter file, e.g. /sys/class/net/vif1.0/statistics/rx_bytes ("49283\n") or
 * /sys/bus/xen-backend/devices/vbd-1-51712/statistics/rd_sect ("1632\n"): a decimal number and a newline.
 */
export function parseSysfsCounter(source: string, text: string): number {
  const match = /^\s*(\d{1,20})\s*$/.exec(text);
  if (!match) throw ParseError.of(source, 'a decimal counter', text);
  // Past 2^53 the value loses its last digits, which a rate over a scrape interval does not notice.
  return Number(match[1]);
}
