// grant-tables: how full each domain's grant table is. PV drivers (netfront/blkfront, one ring per queue)
// take grants; when a domain reaches max_nr_frames its I/O hangs. `xen-diag gnttab_query_size` (Xen >= 4.10)
// is the only way to read the sizes from dom0, one domain per call; dom0's own kernel also logs
// "max_grant_frames reached" when dom0 itself runs out.
import { error, type Finding, fromFindings, type MetricSample, type Outcome, type Probe } from '../check.js';
import { commandProblem } from '../context.js';
import type { CommandResult } from '../host/host.js';
import { grepLines } from '../parsers/dmesg.js';
import { ParseError } from '../parsers/parse-error.js';
import { type GnttabSize, parseGnttabQuerySize } from '../parsers/xen-diag.js';
import { stateFlags, type XlDomain } from '../parsers/xl-list.js';
import { gnttabMaxFrames } from '../remedies/gnttab-max-frames.js';

const LIMIT_LOGGED = 'max_grant_frames reached';

interface Usage {
  domain: XlDomain;
  size: GnttabSize;
}

export const grantTables: Probe = {
  id: 'grant-tables',
  title: 'grant table usage per domain',
  requires: 'dom0',
  async run(ctx) {
    const list = await ctx.xlList();
    if (!list.ok) return list.outcome;
    const domains = list.value;
    if (domains.length === 0) return error('`xl list` listed no domain (not even Domain-0)');

    // One call per domain, all at once: the host seam's pool bounds how many run together.
    const [results, dmesg] = await Promise.all([
      Promise.all(domains.map((d) => ctx.run(['xen-diag', 'gnttab_query_size', String(d.domid)]))),
      ctx.run(['dmesg']),
    ]);
    const missing = results.find((r) => r.notFound);
    if (missing) return commandProblem(missing) as Outcome;

    const usages: Usage[] = [];
    const failures: string[] = [];
    const evidence: string[] = [];
    for (const [i, result] of results.entries()) {
      const domain = domains[i] as XlDomain;
      const read = readSize(result, domain.domid);
      if (typeof read !== 'string') usages.push({ domain, size: read });
      // A domain on its way out may be gone before xen-diag asks: noted, not held against the host.
      else if (stateFlags(domain.state).some((f) => f === 'dying' || f === 'shutdown')) {
        evidence.push(`${read} (${name(domain)} is shutting down)`);
      } else failures.push(read);
    }

    evidence.unshift(
      ...usages.map(
        ({ domain, size }) =>
          `${name(domain)}: ${size.nrFrames} of ${size.maxNrFrames} grant frames (xen-diag gnttab_query_size ${domain.domid})`,
      ),
    );
    evidence.push(...failures);

    const findings: Finding[] = [];
    const ratio = ctx.settings.gnttabWarnRatio;
    for (const { domain, size } of [...usages].sort(byUse)) {
      const used = `${name(domain)} uses ${size.nrFrames} of ${size.maxNrFrames} grant frames`;
      if (size.nrFrames >= size.maxNrFrames) {
        findings.push({
          code: 'grant-frames-exhausted',
          severity: 'fail',
          message: `${used}: its table is full, its PV I/O can hang`,
        });
      } else if (size.nrFrames >= ratio * size.maxNrFrames) {
        findings.push({
          code: 'grant-frames-near-limit',
          severity: 'warn',
          message: `${used} (${percent(size)}, warning from ${Math.round(ratio * 100)}%)`,
        });
      }
    }

    // dom0's kernel says so itself (rate-limited, and the ring buffer may have rotated: absence proves nothing).
    const logged = dmesg.exitCode === 0 ? grepLines(dmesg.stdout, LIMIT_LOGGED) : [];
    if (logged.length > 0) {
      findings.push({
        code: 'grant-limit-reached-logged',
        severity: 'fail',
        message: `dom0's kernel logged "${LIMIT_LOGGED}"${detail(logged.at(-1) ?? '')}: dom0 ran out of grant frames`,
      });
      evidence.push(`dmesg: ${logged.at(-1)}`);
    } else if (dmesg.failed) {
      evidence.push(`dmesg: unreadable (${dmesg.stderr.trim() || `exit ${dmesg.exitCode}`}), not searched`);
    }

    const metrics = usages.flatMap(({ domain, size }) => samples(domain, size));
    if (usages.length === 0) {
      return error(
        `xen-diag could not read any grant table (${failures.length} domain(s))`,
        evidence,
        metrics,
      );
    }
    // A domain we could not read is not known to be healthy.
    if (findings.length === 0 && failures.length > 0) {
      return error(`could not read the grant table of ${failures.length} domain(s)`, evidence, metrics);
    }

    const highest = Math.max(...usages.map((u) => u.size.maxNrFrames));
    const top = [...usages].sort(byUse)[0] as Usage;
    return fromFindings({
      findings,
      okSummary:
        `${usages.length} domain(s) below ${Math.round(ratio * 100)}% of their grant frames ` +
        `(limit ${[...new Set(usages.map((u) => u.size.maxNrFrames))].join('/')}); ` +
        `most used: ${name(top.domain)} ${top.size.nrFrames} of ${top.size.maxNrFrames}`,
      summary:
        findings.map((f) => f.message).join('; ') + (failures.length ? `; ${failures.length} unread` : ''),
      evidence,
      remedies: [gnttabMaxFrames(Math.max(256, highest * 2), (await ctx.xenBoot()).target)],
      metrics,
    });
  },
};

// The sizes, or why there are none. Exit codes are not trusted: xen-diag exits 0 on some failures and the
// only proof of success is the size line for the domain asked about.
function readSize(result: CommandResult, domid: number): GnttabSize | string {
  const broken = commandProblem(result, [result.exitCode ?? 0]);
  if (broken) return `${result.command}: ${broken.summary}`;
  try {
    const size = parseGnttabQuerySize(result.stdout);
    if (size.domid !== domid) return `${result.command}: answered for domid ${size.domid}`;
    return size;
  } catch (caught) {
    if (!(caught instanceof ParseError)) throw caught;
    const said = result.stderr.trim().split(/\r?\n/)[0]?.slice(0, 200) || 'nothing';
    return `${result.command}: exited ${result.exitCode} without sizes; stderr: ${said}`;
  }
}

// "... max_grant_frames reached cur=60 extra=5 limit=64 ..." -> " (60 + 5 frames asked, limit 64)".
function detail(line: string): string {
  const match = /cur=(\d+) extra=(\d+) limit=(\d+)/.exec(line);
  return match ? ` (${match[1]} + ${match[2]} frames asked, limit ${match[3]})` : '';
}

function byUse(a: Usage, b: Usage): number {
  return (
    b.size.nrFrames / b.size.maxNrFrames - a.size.nrFrames / a.size.maxNrFrames ||
    a.domain.domid - b.domain.domid
  );
}

function name(domain: XlDomain): string {
  return domain.domid === 0 ? 'dom0' : `${domain.name} (dom${domain.domid})`;
}

function percent(size: GnttabSize): string {
  return `${Math.round((100 * size.nrFrames) / size.maxNrFrames)}%`;
}

function samples(domain: XlDomain, size: GnttabSize): MetricSample[] {
  const labels = { domid: String(domain.domid), domain: domain.name };
  return [
    {
      name: 'gnttab_frames',
      help: 'Grant table frames a domain has set up (xen-diag gnttab_query_size).',
      labels,
      value: size.nrFrames,
    },
    {
      name: 'gnttab_max_frames',
      help: 'Grant table frames a domain may set up at most (xen-diag gnttab_query_size).',
      labels,
      value: size.maxNrFrames,
    },
  ];
}
