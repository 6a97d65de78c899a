// hypervisor-log: error- and warning-level lines in Xen's console ring (`xl dmesg`), grouped and counted.
// The ring holds no levels, so src/parsers/xl-dmesg.ts infers them from the message shapes of Xen's source;
// known-benign lines (the MTRR notice QEMU and some firmware cause, machine check start-up, feature names)
// count as info and are named in the evidence. What the ring can hold depends on the version and build
// (loglvl=, debug=): the evidence says so, so that a quiet ring is not read as more than it is.
import { type Finding, fromFindings, type MetricSample, type Probe } from '../check.js';
import {
  groupXenLog,
  parseXlDmesg,
  XEN_LOG_LEVELS,
  type XenLogGroup,
  type XenLogLevel,
  type XlDmesg,
} from '../parsers/xl-dmesg.js';

/** Groups shown per level: enough to recognise the problem, never a flood. */
const SHOWN = 5;

export const hypervisorLog: Probe = {
  id: 'hypervisor-log',
  title: 'hypervisor log (xl dmesg)',
  requires: 'dom0',
  async run(ctx) {
    const parsed = await ctx.parsed(['xl', 'dmesg'], parseXlDmesg);
    if (!parsed.ok) return parsed.outcome;
    const log = parsed.value;
    const groups = groupXenLog(log.lines);
    const count = (level: XenLogLevel) => log.lines.filter((line) => line.level === level).length;
    const metrics: MetricSample[] = XEN_LOG_LEVELS.map((level) => ({
      name: 'hypervisor_log_lines',
      help: 'Lines in the Xen console ring (xl dmesg) by inferred level (error, warning, info).',
      labels: { level },
      value: count(level),
    }));

    const ring = log.fromBoot
      ? `${log.lines.length} lines since boot`
      : `${log.lines.length} lines (the ring has wrapped or was cleared: older lines are gone)`;
    const evidence = [`xl dmesg: ${ring}`, ...levelsNote(log)];
    const show = (level: XenLogLevel) => {
      const of = groups.filter((g) => g.level === level && !g.benign);
      evidence.push(...of.slice(0, SHOWN).map(line));
      if (of.length > SHOWN)
        evidence.push(`${level}: ${of.length - SHOWN} more kinds of line (see xl dmesg)`);
    };
    show('error');
    show('warning');
    for (const group of groups.filter((g) => g.benign)) {
      evidence.push(`benign: ${line(group)} (${group.benign})`);
    }

    const errors = groups.filter((g) => g.level === 'error');
    const findings: Finding[] = [];
    const grant = errors.filter((g) => g.kind === 'grant-table');
    if (grant.length > 0) {
      findings.push({
        code: 'xen-log-grant-table-limit',
        severity: 'warn',
        message: `${total(grant)} line(s) say a domain hit its grant table limit (its block and network I/O stall): see grant-tables`,
      });
    }
    const other = errors.filter((g) => g.kind !== 'grant-table');
    if (other.length > 0) {
      const kinds = [...new Set(other.map((g) => g.kind ?? 'error'))].join(', ');
      findings.push({
        code: 'xen-log-errors',
        severity: 'warn',
        message: `${total(other)} error-level line(s) in xl dmesg (${kinds}), first: ${other[0]?.first.message ?? ''}`,
      });
    }
    const warnings = count('warning');
    return fromFindings({
      findings,
      okSummary: `${log.lines.length} lines read, no errors${warnings > 0 ? `; ${warnings} warning-level (see evidence)` : ''}`,
      evidence,
      metrics,
    });
  },
};

// What the ring holds, from its own lines: "Xen 4.20.5-pre (debug=n) logs Errors, warnings and info".
function levelsNote(log: XlDmesg): string[] {
  if (!log.xen && !log.loglevel) return [];
  const xen = log.xen
    ? `Xen ${log.xen.version}${log.xen.debug === undefined ? '' : log.xen.debug ? ' (debug=y)' : ' (debug=n)'}`
    : 'Xen';
  const notes = [];
  if (log.loglevel) {
    notes.push(
      `${xen} logs ${log.loglevel.hypervisor.toLowerCase()}${log.loglevel.guest ? `; guest-caused: ${log.loglevel.guest.toLowerCase()}` : ''}`,
    );
    // console.c's loglvl_str(): only "Errors" and "Nothing" hide warnings (loglvl=error or none).
    if (/^(?:Errors|Nothing)$/.test(log.loglevel.hypervisor)) {
      notes.push('loglvl= hides warnings (and maybe errors): this check sees less than usual');
    }
  } else notes.push(`${xen}: the "Std. Loglevel" line has rotated out`);
  // dprintk()/gdprintk() (their lines start "file.c:123:") exist only in debug builds.
  if (log.xen?.debug === false) {
    notes.push(
      'release build: debug-only lines such as grant table limits are not logged (see grant-tables)',
    );
  }
  return notes;
}

function line(group: XenLogGroup): string {
  return `${group.count > 1 ? `${group.count}\u00d7 ` : ''}${group.first.raw.trim()}`;
}

function total(groups: readonly XenLogGroup[]): number {
  return groups.reduce((sum, g) => sum + g.count, 0);
}
