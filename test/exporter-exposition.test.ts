// The exposition prom-client writes from a real fixture host, in both formats, and the text a probe's
// help could break.
import { describe, expect, it } from 'vitest';
import { type CheckResult, ok } from '../src/check.js';
import { defaultSettings } from '../src/context.js';
import { buildRegistry } from '../src/exporter/metrics.js';
import { probes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { fixtureHost } from './helpers.js';

describe('exposition by prom-client', () => {
  it('renders a real fixture host in both formats (same families, same lines)', async () => {
    const { results } = await runReport(fixtureHost('dom0-domu-credit2'), probes, defaultSettings);
    const snapshot = {
      runs: results.map((result) => ({ result, finishedAt: 1_700_000_000_000 })),
      commandTimeouts: new Map([['xl list', 2]]),
    };
    const prometheus = await buildRegistry(snapshot, 'prometheus').metrics();
    const openmetrics = await buildRegistry(snapshot, 'openmetrics').metrics();
    // Families separated by a blank line in the text format, none in OpenMetrics, which ends with # EOF.
    expect(prometheus).toMatch(/^# HELP xendoctor_build_info .*\n# TYPE xendoctor_build_info gauge\n/);
    expect(prometheus).toContain('\n\n# HELP xendoctor_check_status ');
    expect(prometheus.endsWith('\n') && !prometheus.endsWith('\n\n')).toBe(true);
    expect(prometheus).toContain(
      '# TYPE xendoctor_command_timeouts_total counter\nxendoctor_command_timeouts_total{command="xl list"} 2',
    );
    expect(openmetrics).toContain(
      '# TYPE xendoctor_command_timeouts counter\nxendoctor_command_timeouts_total{command="xl list"} 2',
    );
    expect(openmetrics).not.toContain('\n\n');
    expect(openmetrics.endsWith('\n# EOF\n')).toBe(true);
    // Same sample lines in both formats except the counter's family lines.
    const samples = (t: string) => t.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(samples(openmetrics)).toEqual(samples(prometheus));
  });

  it('keeps OpenMetrics valid when a probe help holds a double quote, backslash or newline', async () => {
    const result: CheckResult = {
      id: 'a',
      title: 'a',
      ...ok('fine'),
      durationMs: 1,
      metrics: [{ name: 'thing', help: 'The "quoted" \\ and\nnext', labels: { x: 'q"\\\n' }, value: 1 }],
    };
    const text = await buildRegistry({ runs: [{ result, finishedAt: 0 }] }, 'openmetrics').metrics();
    const help = text.split('\n').find((l) => l.startsWith('# HELP xendoctor_thing '));
    expect(help).toBe(
      "# HELP xendoctor_thing The 'quoted' \\\\ and\\nnext. Published from the last scheduled run; a scrape runs no command.",
    );
    expect(text).toContain('xendoctor_thing{x="q\\"\\\\\\n"} 1');
  });
});
