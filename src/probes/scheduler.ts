// scheduler: which vCPU scheduler Xen runs. credit2 (the default since Xen 4.12) could leave runnable domU
// vCPUs unscheduled for long stretches on busy multi-CPU hosts (guest "rcu_sched self-detected stall",
// hung I/O); upstream fixed the known cause in 4.15.1 ("credit2: avoid vCPUs to ever reach lower credits
// than idle", in the 4.15.1 release). sched=credit stays the field-proven workaround, so credit2 is still
// worth a word after 4.15.1, as advice: the seed guide's "Credit 2 on multi-cpu machines may cause domU
// stalls on busy machines" is conditional, and dom0 sees no stall. Before 4.15.1, with domUs to stall, the
// release note is the evidence: warn.
import { error, type Finding, fromFindings, type Probe } from '../check.js';
import { ParseError } from '../parsers/parse-error.js';
import { atLeast, parseXenVersion, type XenVersion } from '../parsers/version.js';
import { schedCredit } from '../remedies/sched-credit.js';

/** The first release with the credit2 stall fix. */
const CREDIT2_STALL_FIXED = '4.15.1';

export const scheduler: Probe = {
  id: 'scheduler',
  title: 'Xen vCPU scheduler',
  requires: 'dom0',
  async run(ctx) {
    const info = await ctx.xlInfo();
    if (!info.ok) return info.outcome;
    const { xenScheduler: sched, xenVersion, nrCpus } = info.value;
    const evidence = [`xl info: xen_scheduler ${sched}, xen_version ${xenVersion}, nr_cpus ${nrCpus}`];
    const metrics = [
      {
        name: 'xen_info',
        help: 'Xen version and scheduler (xl info xen_version, xen_scheduler); always 1.',
        labels: { version: xenVersion, scheduler: sched },
        value: 1,
      },
    ];
    let version: XenVersion;
    try {
      version = parseXenVersion(xenVersion);
    } catch (caught) {
      if (!(caught instanceof ParseError)) throw caught;
      return error(`could not read the Xen version "${xenVersion}"`, [...evidence, caught.message], metrics);
    }

    if (sched !== 'credit2' || nrCpus <= 1) {
      const why =
        sched === 'credit2' ? 'on a single CPU (nothing to balance, no stall)' : `on ${nrCpus} CPU(s)`;
      return fromFindings({ findings: [], okSummary: `${sched} scheduler ${why}`, evidence, metrics });
    }

    const boot = await ctx.xenBoot();
    const pending =
      boot.options?.get('sched') === 'credit'
        ? `; sched=credit is already in ${boot.where}: ${boot.takeEffect}`
        : '';
    evidence.push(...boot.evidence);
    if (pending) evidence.push(`${boot.where}: sched=credit configured, not yet booted`);

    // Only domUs stall: without one running there is nothing at risk yet. An unreadable `xl list`
    // (see domains) does not prove there is none.
    const list = await ctx.xlList();
    const domUs = list.ok ? list.value.filter((d) => d.domid !== 0).length : undefined;
    evidence.push(
      domUs === undefined ? 'xl list: unreadable, domUs unknown' : `xl list: ${domUs} domU(s) running`,
    );
    const fixed = atLeast(version, CREDIT2_STALL_FIXED);
    const finding: Finding = fixed
      ? {
          code: 'credit2-default',
          severity: 'advice',
          message:
            `credit2 on Xen ${xenVersion} with ${nrCpus} CPUs: the known credit2 vCPU stall is fixed since ` +
            `${CREDIT2_STALL_FIXED}; if domUs still stall on a busy host, sched=credit remains the workaround${pending}`,
        }
      : {
          code: 'credit2-stall-risk',
          severity: domUs === 0 ? 'advice' : 'warn',
          message:
            `credit2 on Xen ${xenVersion} with ${nrCpus} CPUs${domUs === 0 ? ' (no domU yet)' : ''}: before ` +
            `${CREDIT2_STALL_FIXED} credit2 can stop scheduling domU vCPUs on busy hosts (guest stalls and hung ` +
            `I/O); boot with sched=credit${pending}`,
        };
    return fromFindings({
      findings: [finding],
      okSummary: '',
      evidence,
      remedies: [schedCredit(boot.target)],
      metrics,
    });
  },
};
