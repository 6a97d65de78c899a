// Runs probes against one host: in parallel (commands are bounded by the host seam's pool), each timed,
// each isolated, so a probe that throws is reported as `error` and the others go on.
import type { CheckResult, Outcome, Probe } from './check.js';
import { error, skip, strictOutcome } from './check.js';
import { type Context, domUReason } from './context.js';

/** Runs the given probes and returns their results in the order given. */
export async function runProbes(ctx: Context, probes: readonly Probe[]): Promise<CheckResult[]> {
  return Promise.all(probes.map((probe) => runProbe(ctx, probe)));
}

export async function runProbe(ctx: Context, probe: Probe): Promise<CheckResult> {
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = (await unmetRequirement(ctx, probe)) ?? (await probe.run(ctx));
    if (ctx.settings.strict) outcome = strictOutcome(outcome);
  } catch (caught) {
    // A bug or an unexpected host error: never shown as healthy, never fatal to the run.
    const message = caught instanceof Error ? caught.message : String(caught);
    outcome = error(`check did not complete: ${message}`);
  }
  return {
    id: probe.id,
    title: probe.title,
    ...outcome,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

// One clear chain on a host that is not a dom0: xen-hypervisor / xen-dom0 say why, the rest skip.
async function unmetRequirement(ctx: Context, probe: Probe): Promise<Outcome | undefined> {
  if (!probe.requires) return undefined;
  const xen = await ctx.xen();
  if (!xen.underXen) return skip('not running under Xen: see xen-hypervisor', [xen.evidence]);
  if (probe.requires === 'dom0') {
    const dom0 = await ctx.dom0();
    if (dom0.isDomU) return skip(`${domUReason(dom0)}: only dom0 can see this`, [dom0.evidence]);
    if (!dom0.isDom0) return skip('not in dom0: see xen-dom0', [dom0.evidence]);
  }
  return undefined;
}
