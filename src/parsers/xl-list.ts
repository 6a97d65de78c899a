import { lines, ParseError } from './parse-error.js';

/** One row of `xl list`. */
export interface XlDomain {
  name: string;
  domid: number;
  memMiB: number;
  vcpus: number;
  /**
   * The six state flags, e.g. "-b----": r running, b blocked, p paused, s shutdown, then the shutdown reason
   * (xl's "-rscwS": c crashed, also r reboot, s suspend, w watchdog, S soft reset, ? unknown), d dying.
   */
  state: string;
  cpuSeconds: number;
}

export type DomainStateFlag = 'running' | 'blocked' | 'paused' | 'shutdown' | 'crashed' | 'dying';
const FLAG_NAMES: readonly DomainStateFlag[] = [
  'running',
  'blocked',
  'paused',
  'shutdown',
  'crashed',
  'dying',
];

/** The named flags set in an `xl list` state column ("r-----" -> ["running"]). */
export function stateFlags(state: string): DomainStateFlag[] {
  return FLAG_NAMES.filter((name, i) => state[i] === name[0]);
}

const HEADER = /^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)/;
// "Domain-0                                     0  1024     2     r-----     113.8"; names may hold spaces
// in principle, so the row is read from the right.
const ROW = /^(.*\S)\s+(\d+)\s+(\d+)\s+(\d+)\s+([rbpscdwS?-]{6})\s+(\d+(?:\.\d+)?)(?:\s.*)?$/;

/** Parses `xl list` (also `xl list -v`: the extra columns are ignored). */
export function parseXlList(text: string): XlDomain[] {
  const rows = lines(text).filter((line) => line.trim() !== '');
  const header = rows.shift();
  if (header === undefined || !HEADER.test(header)) {
    throw ParseError.of('xl list', 'a "Name ID Mem VCPUs State Time(s)" header', header ?? '');
  }
  return rows.map((line) => {
    const match = ROW.exec(line);
    if (!match) throw ParseError.of('xl list', 'a row "name id mem vcpus state time"', line);
    const [, name, domid, mem, vcpus, state, time] = match as unknown as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return {
      name,
      domid: Number(domid),
      memMiB: Number(mem),
      vcpus: Number(vcpus),
      state,
      cpuSeconds: Number(time),
    };
  });
}
