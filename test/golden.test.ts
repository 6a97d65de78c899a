// Golden reports: every fixture host's full report, as text and JSON, compared with test/golden/.
// Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts` and review the diff like code. A missing
// golden is written outside CI and fails when CI is set (test/golden-policy.ts).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { probes } from '../src/probes/index.js';
import type { ReportDocument } from '../src/report/document.js';
import { runReport } from '../src/report/run.js';
import { renderText } from '../src/report/text.js';
import { goldenAction } from './golden-policy.js';
import { fixtureHost, HOSTS } from './helpers.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');

// Only what differs between runs is pinned: the clock, timings and where the fixtures live.
function normalise(doc: ReportDocument, name: string): ReportDocument {
  return {
    ...doc,
    generatedAt: '2026-01-01T00:00:00.000Z',
    host: { ...doc.host, root: `<fixtures>/${name}` },
    checks: doc.checks.map((check) => ({ ...check, durationMs: 0 })),
  };
}

function compare(file: string, actual: string) {
  const full = path.join(GOLDEN, file);
  const action = goldenAction(existsSync(full), process.env);
  if (action === 'fail-missing') {
    throw new Error(
      `no golden test/golden/${file} (CI): run UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts and commit it`,
    );
  }
  if (action === 'write') writeFileSync(full, actual);
  expect(actual).toBe(readFileSync(full, 'utf8'));
}

const hosts = readdirSync(HOSTS).filter((name) => !name.startsWith('made-up-'));

describe.each(hosts)('golden report for %s', (name) => {
  it('matches the text and JSON goldens', async () => {
    const { document } = await runReport(fixtureHost(name), probes);
    const doc = normalise(document, name);
    // The fixture's absolute path also shows in messages (e.g. "not found on PATH=<root>/commands").
    const here = (text: string) => text.split(path.join(HOSTS, name)).join(`<fixtures>/${name}`);
    compare(`${name}.json`, here(`${JSON.stringify(doc, null, 2)}\n`));
    compare(`${name}.txt`, here(renderText(doc, { colour: false })));
  });
});

// A host captured by `xendoctor capture` keeps the report of the live host (REPORT.json): replayed, it must
// give that same report, or the capture (or a check) reads something the replay does not have.
const captured = hosts.filter((name) => existsSync(path.join(HOSTS, name, 'REPORT.json')));

// Checks whose verdict logic changed after a capture was taken (issue 11: advice, escalation on evidence):
// their status and summary are no longer the live report's, and they read files the capture did not record
// (ip_forward, /proc/net/snmp); hypervisor-log since issue 16 (levels from Xen's source: "No SSBD controls
// available" is a warning-level line, and the evidence says what the ring holds). What the live host showed
// must still be in their evidence; the other checks must match exactly.
const CHANGED_SINCE_CAPTURE: Record<string, string[]> = {
  'capture-dom0-domu': ['scheduler', 'bridge-offload', 'bridge-redirects', 'hypervisor-log'],
};

describe.each(captured)('replayed capture %s', (name) => {
  it('reports what the live host reported when it was captured', async () => {
    const { document } = await runReport(fixtureHost(name), probes);
    const live = JSON.parse(readFileSync(path.join(HOSTS, name, 'REPORT.json'), 'utf8')) as ReportDocument;
    const changed = CHANGED_SINCE_CAPTURE[name] ?? [];
    const then = normalise(live, name);
    // The header's bootLoader (issue 16) came after the capture: compared only when the live report has it.
    const { bootLoader, ...hostBefore16 } = document.host;
    const replayed = normalise(
      'bootLoader' in then.host ? document : { ...document, host: hostBefore16 },
      name,
    );
    expect(bootLoader).toBeTypeOf('string');
    for (const id of changed) {
      const now = replayed.checks.find((c) => c.id === id);
      const was = then.checks.find((c) => c.id === id);
      expect(now?.evidence, id).toEqual(expect.arrayContaining(was?.evidence ?? ['(missing)']));
      expect(
        now?.findings.map((f) => f.code),
        id,
      ).toEqual(was?.findings.map((f) => f.code));
    }
    const unchanged = (doc: ReportDocument) => ({
      ...doc,
      summary: undefined,
      exitCode: undefined,
      checks: doc.checks.filter((c) => !changed.includes(c.id)),
    });
    expect(changed.length > 0 ? unchanged(replayed) : replayed).toEqual(
      changed.length > 0 ? unchanged(then) : then,
    );
  });
});
