import { lines, ParseError } from './parse-error.js';

/** One line of /proc/mounts. */
export interface Mount {
  device: string;
  mountPoint: string;
  fsType: string;
  options: string[];
  /** The line as the kernel wrote it (for evidence). */
  line: string;
}

// The kernel escapes space, tab, newline and backslash in paths as octal: "/mnt/my\040disk".
const unescapeOctal = (field: string): string =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/**
 * Parses `/proc/mounts` (fstab format, six fields), e.g. "xenfs /proc/xen xenfs rw,relatime 0 0".
 * A line with another number of fields means the text is not /proc/mounts (or was cut off mid-line).
 */
export function parseProcMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of lines(text)) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const [device, mountPoint, fsType, options, freq, passno] = fields;
    if (
      fields.length !== 6 ||
      device === undefined ||
      mountPoint === undefined ||
      fsType === undefined ||
      options === undefined ||
      !/^\d+$/.test(freq ?? '') ||
      !/^\d+$/.test(passno ?? '')
    ) {
      throw ParseError.of('/proc/mounts', 'six fields "device mountpoint type options 0 0"', line);
    }
    mounts.push({
      device: unescapeOctal(device),
      mountPoint: unescapeOctal(mountPoint),
      fsType,
      options: options.split(','),
      line: line.trim(),
    });
  }
  // Every Linux system has at least the root file system mounted.
  if (mounts.length === 0) throw ParseError.of('/proc/mounts', 'at least one mount', text);
  return mounts;
}
