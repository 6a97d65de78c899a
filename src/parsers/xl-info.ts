import { lines, ParseError } from './parse-error.js';

/** The fields of `xl info` that xendoctor reads; every other "key : value" line is kept in `fields`. */
export interface XlInfo {
  host: string;
  release: string;
  nrCpus: number;
  /** "pv hvm gnttab-v1 gnttab-v2" split into words; empty on Xen before 4.12 (no virt_caps line). */
  virtCaps: string[];
  /** "xen-3.0-x86_64 hvm-3.0-x86_32 ..." split into words. */
  xenCaps: string[];
  xenVersion: string;
  xenMajor: number;
  xenMinor: number;
  xenScheduler: string;
  xenCommandline: string;
  fields: Record<string, string>;
}

/**
 * Parses `xl info`: one "key   : value" per line, e.g.
 * "xen_scheduler          : credit2". Values may be empty ("xen_changeset          : ").
 */
export function parseXlInfo(text: string): XlInfo {
  const fields: Record<string, string> = {};
  for (const line of lines(text)) {
    const match = /^([a-z_0-9]+)\s*:\s?(.*)$/.exec(line);
    if (match?.[1]) fields[match[1]] = (match[2] ?? '').trim();
  }
  const need = (key: string): string => {
    const value = fields[key];
    if (value === undefined) throw ParseError.of('xl info', `no "${key}" line`, text);
    return value;
  };
  const int = (key: string): number => {
    const value = need(key);
    if (!/^\d+$/.test(value)) throw ParseError.of('xl info', `"${key}" is not a whole number`, value);
    return Number(value);
  };
  const words = (key: string): string[] => (fields[key] ?? '').split(/\s+/).filter(Boolean);
  // Garbage that parses must not read as a host: Xen always runs on a CPU and always has a scheduler.
  const nrCpus = int('nr_cpus');
  if (nrCpus < 1) throw ParseError.of('xl info', '"nr_cpus" of at least 1', `nr_cpus : ${nrCpus}`);
  const xenScheduler = need('xen_scheduler');
  if (xenScheduler === '') throw ParseError.of('xl info', 'a "xen_scheduler" name', 'xen_scheduler : ');
  return {
    host: need('host'),
    release: fields.release ?? '',
    nrCpus,
    virtCaps: words('virt_caps'),
    xenCaps: words('xen_caps'),
    xenVersion: need('xen_version'),
    xenMajor: int('xen_major'),
    xenMinor: int('xen_minor'),
    xenScheduler,
    xenCommandline: fields.xen_commandline ?? '',
    fields,
  };
}
