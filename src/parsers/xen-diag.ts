import { lines, ParseError } from './parse-error.js';

/** A domain's grant table size, from `xen-diag gnttab_query_size <domid>`. */
export interface GnttabSize {
  domid: number;
  /** Grant frames the domain has set up so far. */
  nrFrames: number;
  /** The most it may set up (gnttab_max_frames on the Xen command line, or max_grant_frames per domain). */
  maxNrFrames: number;
}

const SIZE_LINE = /^domid=(\d+): nr_frames=(\d+), max_nr_frames=(\d+)\s*$/;

/**
 * Parses `xen-diag gnttab_query_size <domid>`: "domid=1: nr_frames=13, max_nr_frames=32".
 * xen-diag exits 0 on some failures ("failed to get the handler" on stderr, nothing on stdout), so an
 * output without that line is a ParseError whatever the exit code said.
 */
export function parseGnttabQuerySize(text: string): GnttabSize {
  for (const line of lines(text)) {
    const match = SIZE_LINE.exec(line.trim());
    if (!match) continue;
    const [, domid, nr, max] = match as unknown as [string, string, string, string];
    const size = { domid: Number(domid), nrFrames: Number(nr), maxNrFrames: Number(max) };
    if (size.maxNrFrames === 0)
      throw ParseError.of('xen-diag gnttab_query_size', 'max_nr_frames above 0', line);
    return size;
  }
  throw ParseError.of('xen-diag gnttab_query_size', 'a line "domid=N: nr_frames=N, max_nr_frames=N"', text);
}
