// /dev/kmsg records and the Xen backend events xendoctor counts in them (serve's kernel-log follower).
import { NETBACK_ERRORS } from './dmesg.js';
import { ParseError } from './parse-error.js';

/** One /dev/kmsg record (Documentation/ABI/testing/dev-kmsg). */
export interface KmsgRecord {
  /** syslog level 0 (emerg) .. 7 (debug). */
  level: number;
  facility: number;
  sequence: number;
  /** Monotonic time of the message, microseconds since boot. */
  timestampUs: number;
  /** The text, with the kernel's \xNN escapes left as they are. */
  message: string;
}

/**
 * Parses one record as a read of /dev/kmsg returns it: "6,1234,5678901,-;vif vif-1-0 vif1.0: fatal error;
 * disabling device" (prefix = facility * 8 + level, sequence, microseconds, flags, then ";" and the text),
 * optionally followed by continuation lines " SUBSYSTEM=net" that are not part of the message.
 */
export function parseKmsgRecord(text: string): KmsgRecord {
  const newline = text.indexOf('\n');
  const line = newline === -1 ? text : text.slice(0, newline);
  const semicolon = line.indexOf(';');
  const fields = semicolon === -1 ? [] : line.slice(0, semicolon).split(',');
  const [prefix, sequence, timestamp, flags] = fields;
  const whole = (value: string | undefined) =>
    value !== undefined && /^\d{1,20}$/.test(value) ? Number(value) : NaN;
  const numbers = [whole(prefix), whole(sequence), whole(timestamp)];
  if (flags === undefined || numbers.some(Number.isNaN)) {
    throw ParseError.of('/dev/kmsg', 'a record "prefix,seq,usec,flags;text"', line);
  }
  const [prefixValue = 0, sequenceValue = 0, timestampValue = 0] = numbers;
  return {
    level: prefixValue & 7,
    facility: prefixValue >> 3,
    sequence: sequenceValue,
    timestampUs: timestampValue,
    message: line.slice(semicolon + 1),
  };
}

/** The events counted in xendoctor_kernel_log_events_total{event}: a fixed set, so the label is bounded. */
export type KernelEvent =
  | 'netback_fatal'
  | 'netback_error'
  | 'blkback_error'
  | 'max_grant_frames'
  | 'grant_map_failed'
  | 'xenbus_timeout';

export const KERNEL_EVENTS: readonly KernelEvent[] = [
  'netback_fatal',
  'netback_error',
  'blkback_error',
  'max_grant_frames',
  'grant_map_failed',
  'xenbus_timeout',
];

// Substrings, not regular expressions with nested quantifiers: kernel text is untrusted and a line can be
// 1 KiB. Sources (printk strings): drivers/net/xen-netback/netback.c (netdev_err "fatal error; disabling
// device", "Too many slots", "Cross page boundary", "Invalid extra type", "Missing extra info"),
// drivers/block/xen-blkback (pr_fmt "xen-blkback: "), drivers/xen/grant-table.c ("max_grant_frames
// reached"), drivers/xen/xenbus/xenbus_probe_frontend.c ("Timeout connecting to device").
const RULES: readonly { event: KernelEvent; test: (message: string) => boolean }[] = [
  { event: 'netback_fatal', test: (m) => m.includes('fatal error; disabling device') },
  {
    event: 'netback_error',
    test: (m) =>
      NETBACK_ERRORS.some((phrase) => phrase !== 'fatal error; disabling device' && m.includes(phrase)),
  },
  {
    // blkback's own lines, and xenbus errors on a VBD backend device ("vbd vbd-5-51760: failed to write
    // error node for backend/vbd/5/51760 (5 starting transaction)", QubesOS issue 5887).
    event: 'blkback_error',
    test: (m) =>
      (m.includes('xen-blkback') || m.startsWith('vbd vbd-')) && /error|fail|invalid|bad /i.test(m),
  },
  { event: 'max_grant_frames', test: (m) => m.includes('max_grant_frames') },
  {
    // A backend's map of a guest's grant refused by Xen (GNTST_no_device_space is maptrack exhaustion).
    event: 'grant_map_failed',
    test: (m) => /maptrack|GNTST_|no_device_space/.test(m) || (/grant/i.test(m) && /map\S* fail/i.test(m)),
  },
  { event: 'xenbus_timeout', test: (m) => /xenbus/i.test(m) && /timeout|timed out/i.test(m) },
];

/** The event a kernel message is, and the device it names (vif1.0, vbd-1-51712), or undefined. */
export function classifyKernelMessage(message: string): { event: KernelEvent; device: string } | undefined {
  const rule = RULES.find((r) => r.test(message));
  if (!rule) return undefined;
  return { event: rule.event, device: deviceOf(message) };
}

// "vif vif-1-0 vif1.0: ..." names the interface; blkback names "backend/vbd/1/51712" or "vbd-1-51712".
function deviceOf(message: string): string {
  const vif = /\bvif\d{1,5}\.\d{1,5}\b/.exec(message);
  if (vif) return vif[0];
  const vbd = /\bvbd[-/](\d{1,5})[-/](\d{1,10})\b/.exec(message);
  if (vbd) return `vbd-${vbd[1]}-${vbd[2]}`;
  return '';
}
