// domains: no domain crashed, stuck dying, shut down but not cleaned up, or paused, from `xl list`.
// `xl list` says what each domain is doing at this instant, not since when: a report cannot tell a domain
// paused for a second (a save, a migration) from one paused for a day. Settings.pausedWarnSeconds is
// therefore not applied here; every paused domain is a warn that says so, and the exporter's
// `xendoctor_domains{state="paused"}` with an alert `for:` that long is what measures the duration.
import { type Finding, fromFindings, type MetricSample, type Probe, type Remedy } from '../check.js';
import type { Context } from '../context.js';
import { readBackendStats } from '../devices/backend-stats.js';
import { lines } from '../parsers/parse-error.js';
import { parseXlListJson } from '../parsers/xl-list-json.js';
import type { XlDomain } from '../parsers/xl-list.js';
import { recoverCrashedDomain } from '../remedies/recover-crashed-domain.js';
import { releaseDyingDomain } from '../remedies/release-dying-domain.js';
import { unpauseDomain } from '../remedies/unpause-domain.js';

/**
 * One state per domain, the most telling first, so the counts add up to the number of domains.
 * "runnable" is a domain with no flag set: ready to run but not on a CPU at that instant.
 */
export type DomainState = 'dying' | 'crashed' | 'shutdown' | 'paused' | 'running' | 'blocked' | 'runnable';
export const DOMAIN_STATES: readonly DomainState[] = [
  'running',
  'blocked',
  'runnable',
  'paused',
  'shutdown',
  'crashed',
  'dying',
];

// The fifth State column is the shutdown reason (xl's "-rscwS"), not only "c".
const SHUTDOWN_REASONS: Record<string, string> = {
  '-': 'poweroff',
  r: 'reboot',
  s: 'suspend',
  c: 'crash',
  w: 'watchdog',
  S: 'soft reset',
};

/** The state a domain is counted under, from its six State flags ("---sc-" -> crashed). */
export function domainState(state: string): DomainState {
  if (state[5] === 'd') return 'dying';
  if (state[3] === 's' && state[4] === 'c') return 'crashed';
  if (state[3] === 's') return 'shutdown';
  if (state[2] === 'p') return 'paused';
  if (state[0] === 'r') return 'running';
  if (state[1] === 'b') return 'blocked';
  return 'runnable';
}

export const domains: Probe = {
  id: 'domains',
  title: 'domain states',
  requires: 'dom0',
  async run(ctx) {
    const parsed = await ctx.xlList();
    if (!parsed.ok) {
      const outcome = parsed.outcome;
      if (outcome.status === 'error' && /timed out|hung/.test(outcome.summary)) {
        outcome.evidence.push('xl list waits for xenstored forever when it is down: see xen-daemons');
      }
      return outcome;
    }
    const list = parsed.value;
    // parseXlList maps the non-blank lines after the header in order: the i-th row is the i-th domain.
    const rows = lines(parsed.result.stdout).filter((line) => line.trim() !== '');
    const header = tidy(rows.shift() ?? '');
    const row = (i: number) => `xl list: ${tidy(rows[i] ?? '')}`;

    const counts = new Map<DomainState, number>(DOMAIN_STATES.map((s) => [s, 0]));
    const byState = new Map<DomainState, { domain: XlDomain; index: number }[]>();
    list.forEach((domain, index) => {
      const state = domainState(domain.state);
      counts.set(state, (counts.get(state) ?? 0) + 1);
      byState.set(state, [...(byState.get(state) ?? []), { domain, index }]);
    });
    const metrics: MetricSample[] = DOMAIN_STATES.map((state) => ({
      name: 'domains',
      help: 'Domains by state from `xl list` (one state each: dying > crashed > shutdown > paused > running > blocked > runnable).',
      labels: { state },
      value: counts.get(state) ?? 0,
    }));

    const perDomain = await domainSamples(ctx, list);
    metrics.push(...perDomain.samples);

    const findings: Finding[] = [];
    const remedies: Remedy[] = [];
    const atFault: number[] = [];
    const at = (state: DomainState) => byState.get(state) ?? [];
    const names = (state: DomainState) => at(state).map(({ domain }) => `${domain.name} (${domain.domid})`);

    for (const { domain, index } of at('crashed')) {
      atFault.push(index);
      findings.push({
        code: 'domain-crashed',
        severity: 'fail',
        message: `domain ${domain.name} (${domain.domid}) crashed and was neither destroyed nor restarted (on_crash="preserve", or no xl process watches it)`,
      });
    }
    if (at('crashed').length > 0)
      remedies.push(recoverCrashedDomain(at('crashed').map((d) => d.domain.name)));

    // Dying is normally a passing state while Xen frees the memory; one look cannot tell "passing" from
    // "stuck" (a zombie that holds its RAM), so it is a warn, with the way to tell.
    for (const { domain, index } of at('dying')) {
      atFault.push(index);
      findings.push({
        code: 'domain-dying',
        severity: 'warn',
        message: `domain ${domain.name} (${domain.domid}) is dying: fine if it is gone in a minute, stuck if it stays (it keeps its memory until then)`,
      });
    }
    if (at('dying').length > 0) remedies.push(releaseDyingDomain(at('dying').map((d) => d.domain.domid)));

    // A shut-down domain is normally destroyed or restarted at once by the `xl` process that watches it.
    for (const { domain, index } of at('shutdown')) {
      atFault.push(index);
      const reason = SHUTDOWN_REASONS[domain.state[4] ?? ''] ?? `unknown reason "${domain.state[4]}"`;
      findings.push({
        code: 'domain-shutdown',
        severity: 'warn',
        message: `domain ${domain.name} (${domain.domid}) has shut down (${reason}) but was not cleaned up: its on_${reason === 'reboot' ? 'reboot' : 'poweroff'} action is "preserve" or the xl process watching it is gone`,
      });
    }

    for (const { domain, index } of at('paused')) {
      atFault.push(index);
      findings.push({
        code: 'domain-paused',
        severity: 'warn',
        message: `domain ${domain.name} (${domain.domid}) is paused (xl list cannot say since when)`,
      });
    }
    if (at('paused').length > 0) remedies.push(unpauseDomain(at('paused').map((d) => d.domain.name)));

    const evidence =
      atFault.length > 0
        ? [`xl list: ${header}`, ...atFault.sort((a, b) => a - b).map(row)]
        : list.map(
            (domain) =>
              `xl list: ${domain.name} (${domain.domid}) ${domain.state} ${domainState(domain.state)}`,
          );
    const summaryCounts = DOMAIN_STATES.filter((s) => (counts.get(s) ?? 0) > 0)
      .map((s) => `${counts.get(s)} ${s}`)
      .join(', ');
    return fromFindings({
      findings,
      // What the metrics could not read never changes the verdict on the domains' states; it is evidence.
      okSummary: `${list.length} domain${list.length === 1 ? '' : 's'}: ${summaryCounts}`,
      summary:
        findings.length > 0
          ? [
              ...(['crashed', 'dying', 'shutdown', 'paused'] as const)
                .filter((s) => at(s).length > 0)
                .map((s) => `${s}: ${names(s).join(', ')}`),
            ].join('; ')
          : undefined,
      evidence: [...evidence, ...perDomain.problems],
      remedies,
      metrics,
    });
  },
};

const STATE_HELP =
  "1 for the domain's state from `xl list` (the one state xendoctor_domains counts it under).";

/**
 * The per-domain series: from `xl list` (already run) CPU seconds, vCPUs, memory and state; from one
 * `xl list -l` per cycle the maximum memory and the domain_info labels; from sysfs the vif and VBD counters.
 * No process per domain. Domains are labelled by name; the domid (reused after a domain is destroyed) is only
 * in domain_info.
 */
async function domainSamples(
  ctx: Context,
  list: readonly XlDomain[],
): Promise<{ samples: MetricSample[]; problems: string[] }> {
  const samples: MetricSample[] = [];
  const problems: string[] = [];
  const config = await ctx.parsed(['xl', 'list', '-l'], parseXlListJson);
  const configs = new Map(config.ok ? config.value.map((c) => [c.domid, c]) : []);
  // Without `xl list -l` (a stuck or refused command) only the maximum memory and the info labels are
  // missing; the verdict on the states does not depend on them, so it is not evidence either.
  for (const domain of list) {
    const labels = { domain: domain.name };
    const conf = configs.get(domain.domid);
    samples.push(
      {
        name: 'domain_info',
        help: 'Always 1 per domain: its domid, UUID and type (pv, pvh, hvm; from `xl list -l`).',
        labels: { ...labels, domid: String(domain.domid), uuid: conf?.uuid ?? '', type: conf?.type ?? '' },
        value: 1,
      },
      {
        name: 'domain_cpu_seconds_total',
        help: 'CPU time the domain has used, all vCPUs together (`xl list` Time(s)).',
        labels,
        value: domain.cpuSeconds,
        type: 'counter',
      },
      {
        name: 'domain_vcpus',
        help: 'vCPUs the domain has online (`xl list` VCPUs).',
        labels,
        value: domain.vcpus,
      },
      {
        name: 'domain_memory_bytes',
        help: 'Memory the domain has now (`xl list` Mem, MiB x 1048576).',
        labels,
        value: domain.memMiB * 1024 * 1024,
      },
      {
        name: 'domain_state',
        help: STATE_HELP,
        labels: { ...labels, state: domainState(domain.state) },
        value: 1,
      },
    );
    if (conf?.maxMemKb !== undefined) {
      samples.push({
        name: 'domain_memory_max_bytes',
        help: 'Maximum memory of the domain (`xl list -l` b_info.max_memkb x 1024).',
        labels,
        value: conf.maxMemKb * 1024,
      });
    }
  }
  const devices = await readBackendStats(ctx.host, new Map(list.map((d) => [d.domid, d.name])));
  samples.push(...devices.samples);
  problems.push(...devices.problems);
  return { samples, problems };
}

/** A row with its runs of spaces and tabs collapsed, for evidence. */
function tidy(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}
