// serve's kernel-log follower: reads /dev/kmsg through the host seam from the daemon's start and counts the
// Xen backend events of src/parsers/kmsg.ts, published as xendoctor_kernel_log_events_total{event,device}.
// Under --root/--replay a regular file stands for /dev/kmsg: it is read once, to its end.
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Host } from '../host/host.js';
import { classifyKernelMessage, parseKmsgRecord } from '../parsers/kmsg.js';
import { ParseError } from '../parsers/parse-error.js';
import type { Log } from './state.js';

export const KMSG = '/dev/kmsg';
/** Beyond this many distinct devices, new ones are counted as device="other" (vifs come and go). */
export const MAX_DEVICES = 64;
// A /dev/kmsg read must fit the whole record (EINVAL otherwise); records are at most about 1 KiB + dict.
const READ_BYTES = 16 * 1024;

export interface FollowerOptions {
  /** How long to wait when /dev/kmsg has nothing new (EAGAIN). */
  pollMs?: number;
  /** Records older than this (microseconds since boot) were logged before the daemon started. */
  sinceUs?: number;
}

export class KernelLogFollower {
  /** Counts by event and device; the key is "event\tdevice". */
  private readonly events = new Map<string, number>();
  private readonly devices = new Set<string>();
  private partial = '';
  /** Records that were not in /dev/kmsg's format (logged once). */
  malformed = 0;

  constructor(
    private readonly log: Log,
    private readonly options: FollowerOptions = {},
  ) {}

  /** A copy of the counts, for one cycle's exposition. */
  counts(): Map<string, number> {
    return new Map(this.events);
  }

  /** Takes text as read: one record per read from /dev/kmsg, many lines from a file standing for it. */
  ingest(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      // Continuation lines (" SUBSYSTEM=net") carry the record's dictionary, not text.
      if (line === '' || line.startsWith(' ')) continue;
      let record;
      try {
        record = parseKmsgRecord(line);
      } catch (caught) {
        if (!(caught instanceof ParseError)) throw caught;
        if (this.malformed++ === 0)
          this.log.warn({ err: caught.message }, 'kernel log record not understood');
        continue;
      }
      if (record.timestampUs < (this.options.sinceUs ?? 0)) continue;
      const found = classifyKernelMessage(record.message);
      if (!found) continue;
      const device = this.boundedDevice(found.device);
      const key = `${found.event}\t${device}`;
      this.events.set(key, (this.events.get(key) ?? 0) + 1);
    }
  }

  /** Reads until the end of a regular file, or until `signal` aborts for /dev/kmsg. Never throws. */
  async follow(host: Host, signal: AbortSignal): Promise<void> {
    if (!host.openStream) return;
    let handle: FileHandle;
    try {
      handle = await host.openStream(KMSG);
    } catch (caught) {
      this.log.warn(
        { err: caught },
        'cannot follow the kernel log; xendoctor_kernel_log_events_total stays empty',
      );
      return;
    }
    try {
      const regular = (await handle.stat()).isFile();
      const buffer = Buffer.alloc(READ_BYTES);
      while (!signal.aborted) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
        } catch (caught) {
          const code = (caught as NodeJS.ErrnoException).code;
          // EPIPE: the ring overwrote records we had not read; the next read continues after them.
          if (code === 'EPIPE') continue;
          if (code !== 'EAGAIN') throw caught;
          bytesRead = 0;
        }
        if (bytesRead > 0) {
          this.ingest(buffer.toString('utf8', 0, bytesRead));
          continue;
        }
        if (regular) {
          this.ingest('\n');
          break;
        }
        await sleep(this.options.pollMs ?? 1000, undefined, { signal }).catch(() => undefined);
      }
    } catch (caught) {
      this.log.warn({ err: caught }, 'kernel log follower stopped');
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private boundedDevice(device: string): string {
    if (device === '' || this.devices.has(device)) return device;
    if (this.devices.size >= MAX_DEVICES) return 'other';
    this.devices.add(device);
    return device;
  }
}

/** Kernel uptime in microseconds from /proc/uptime ("350.12 610.33"), or 0 when it cannot be read. */
export async function uptimeUs(host: Host): Promise<number> {
  const text = await host.readFileIfExists('/proc/uptime').catch(() => undefined);
  const seconds = Number(text?.split(/\s+/)[0]);
  return Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds * 1e6) : 0;
}
