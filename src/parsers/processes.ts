// Pure: which Xen daemons run, from a process list (pid and /proc/<pid>/comm) read by the probe.

/** One process: its pid and its /proc/<pid>/comm (the executable name, cut to 15 characters). */
export interface ProcessEntry {
  pid: number;
  comm: string;
}

/** The daemons xen-daemons looks for; `xenstored` stands for any xenstore daemon. */
export type XenDaemon = 'xenstored' | 'xenconsoled';
export const XEN_DAEMONS: readonly XenDaemon[] = ['xenstored', 'xenconsoled'];

// C xenstored upstream (also "cxenstored" in some packages), OCaml oxenstored (Debian's default).
const NAMES: Record<XenDaemon, readonly string[]> = {
  xenstored: ['xenstored', 'oxenstored', 'cxenstored'],
  xenconsoled: ['xenconsoled'],
};

/** The pids in a /proc listing: its numeric names, in numeric order ("self", "sys"... are dropped). */
export function pidsFromProcListing(names: readonly string[]): number[] {
  return names
    .filter((name) => /^\d{1,10}$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The process of each daemon (the lowest pid when several match), or undefined when none runs. */
export function findXenDaemons(
  processes: readonly ProcessEntry[],
): Record<XenDaemon, ProcessEntry | undefined> {
  const find = (daemon: XenDaemon) =>
    [...processes].sort((a, b) => a.pid - b.pid).find((p) => NAMES[daemon].includes(p.comm.trim()));
  return { xenstored: find('xenstored'), xenconsoled: find('xenconsoled') };
}
