// The hand-written exposition (src/exporter/metrics.ts) against prom-client 15 as the oracle: the daemon
// dropped prom-client to save memory and start-up, and must keep writing exactly what it wrote.
import fc from 'fast-check';
import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/context.js';
import { buildRegistry, type ContentType, Family, MetricsRegistry } from '../src/exporter/metrics.js';
import { probes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { fixtureHost } from './helpers.js';

interface FamilySpec {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  labelNames: string[];
  ops: Array<{ labels: Record<string, string>; value: number; inc: boolean }>;
}

const labelName = fc.constantFrom('check', 'code', 'domid', 'interface', 'feature', 'x');
// Values with the characters the format escapes (backslash, newline, quote) and separators.
const text = fc.string({
  unit: fc.constantFrom('a', 'Z', '0', ' ', ',', ':', '"', '\\', '\n', '{', '}', '=', 'é'),
  maxLength: 8,
});
const value = fc.oneof(
  fc.integer({ min: -5, max: 5000 }),
  fc.double({ noNaN: true, min: -1e12, max: 1e12 }),
  fc.constantFrom(Infinity, -Infinity, 0.1, 1e21, 5e-7),
);

const familySpec: fc.Arbitrary<FamilySpec> = fc
  .record({
    type: fc.constantFrom('gauge' as const, 'counter' as const),
    help: text,
    labelNames: fc.uniqueArray(labelName, { maxLength: 3 }),
  })
  .chain(({ type, help, labelNames }) =>
    fc
      .array(
        fc.record({
          labels: fc.record(
            Object.fromEntries(labelNames.map((l) => [l, fc.constantFrom('a', 'b,c', 'q"\\\n')])),
          ),
          value: type === 'counter' ? fc.integer({ min: 0, max: 1000 }) : value,
          inc: fc.boolean(),
        }),
        { maxLength: 6 },
      )
      .map((ops) => ({ name: '', help: `Help ${help}`, type, labelNames, ops })),
  );

function ours(families: FamilySpec[], format: ContentType): Promise<string> {
  const registry = new MetricsRegistry(format);
  for (const spec of families) {
    const family = registry.add(new Family(spec.name, spec.help, spec.type, spec.labelNames));
    for (const op of spec.ops) {
      if (op.inc || spec.type === 'counter') family.inc(op.labels, op.value);
      else family.set(op.labels, op.value);
    }
  }
  return registry.metrics();
}

function oracle(families: FamilySpec[], format: ContentType): Promise<string> {
  const registry = new Registry<RegistryContentType>();
  if (format === 'openmetrics') registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const spec of families) {
    const options = { name: spec.name, help: spec.help, labelNames: spec.labelNames, registers: [registry] };
    if (spec.type === 'counter') {
      const counter = new Counter(options);
      for (const op of spec.ops) counter.inc(op.labels, op.value);
    } else {
      const gauge = new Gauge(options);
      for (const op of spec.ops) {
        if (op.inc) gauge.inc(op.labels, op.value);
        else gauge.set(op.labels, op.value);
      }
    }
  }
  return registry.metrics();
}

describe('hand-written exposition vs prom-client', () => {
  for (const format of ['prometheus', 'openmetrics'] as const) {
    it(`writes the same ${format} text for any families (escapes, label order, inc/set, counters, +-Inf)`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(familySpec, { minLength: 1, maxLength: 4 }), async (specs) => {
          // Distinct valid names; counters end in _total as the daemon's own counter does.
          const families = specs.map((spec, i) => ({
            ...spec,
            name: `xendoctor_m${i}${spec.type === 'counter' ? '_total' : ''}`,
          }));
          // One intended difference: NaN (here +Inf plus -Inf) is "NaN" as the format says, not "Nan".
          const expected = (await oracle(families, format)).replace(/ Nan$/gm, ' NaN');
          expect(await ours(families, format)).toBe(expected);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('renders a real fixture host in both formats like prom-client did (same families, same lines)', async () => {
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
});
