// Issue 11's acceptance on the fixture hosts: the five real lab hosts exit 0 with their advice listed,
// xenconsoled-stopped still exits 2, and each escalation's made-up host exits 1 on its check.
import { describe, expect, it } from 'vitest';
import { probes, selectProbes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { fixtureHost } from './helpers.js';

const advised = (checks: { id: string; findings: { severity: string }[] }[]) =>
  checks.filter((c) => c.findings.some((f) => f.severity === 'advice')).map((c) => c.id);

describe('verdicts an operator can trust', () => {
  it.each([
    ['dom0-credit2', ['scheduler', 'bridge-offload', 'bridge-redirects']],
    ['dom0-credit-gnttab256', ['bridge-offload', 'bridge-redirects']],
    ['dom0-domu-credit2', ['scheduler', 'bridge-offload', 'bridge-redirects']],
    ['dom0-domu-credit-gnttab256', ['bridge-offload', 'bridge-redirects']],
    ['capture-dom0-domu', ['scheduler', 'bridge-offload', 'bridge-redirects']],
  ])('real host %s exits 0 with advice for %j', async (host, advice) => {
    const { document } = await runReport(fixtureHost(host), probes);
    expect(document.exitCode).toBe(0);
    expect(document.checks.every((c) => c.status === 'ok')).toBe(true);
    expect(advised(document.checks)).toEqual(advice);
    // Advice keeps its remedy.
    for (const id of advice)
      expect(document.checks.find((c) => c.id === id)?.remedies.length).toBeGreaterThan(0);
  });

  it('xenconsoled-stopped still exits 2', async () => {
    const { document } = await runReport(fixtureHost('xenconsoled-stopped'), probes);
    expect(document.exitCode).toBe(2);
  });

  it.each([
    ['made-up-xen414-credit2', 'scheduler'],
    ['made-up-netback-errors', 'bridge-offload'],
    ['made-up-vif-drops', 'bridge-offload'],
    ['made-up-redirects-forwarding', 'bridge-redirects'],
    ['made-up-gnttab-near-limit', 'grant-tables'],
  ])('escalation host %s exits 1 on %s', async (host, id) => {
    const { document } = await runReport(fixtureHost(host), selectProbes([id]));
    expect(document.checks[0]?.status).toBe('warn');
    expect(document.exitCode).toBe(1);
  });
});
