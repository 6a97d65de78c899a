// A real Prometheus scrapes `xendoctor serve` on a replayed host with a domain, a vif, two disks and kernel
// log events; every Grafana panel query returns data, and every series an alerting rule reads exists.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { missingTools, scrapedByPrometheus, shouldRun, waitFor } from './system-helpers.js';

const missing = missingTools(['prometheus']);
const PROMETHEUS_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '../../prometheus');

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}
interface RuleFile {
  groups: { rules: { alert: string; expr: string }[] }[];
}

const dashboard = JSON.parse(
  readFileSync(path.join(PROMETHEUS_DIR, 'grafana-dashboard.json'), 'utf8'),
) as Dashboard;
const rules = parse(readFileSync(path.join(PROMETHEUS_DIR, 'xendoctor.rules.yml'), 'utf8')) as RuleFile;

describe.runIf(shouldRun(missing))(
  'the Grafana dashboard and the rules against a real Prometheus (system)',
  () => {
    const { query } = scrapedByPrometheus('made-up-domain-devices', missing);

    const results = async (expr: string) => {
      const found = await query(expr);
      return found.length > 0 ? found : undefined;
    };
    // Rates need two scrapes: wait until Prometheus has the data, not for a fixed time.
    const hasData = (expr: string) => waitFor(() => results(expr), 30_000, `data for ${expr}`);

    it('returns data for every panel query', async () => {
      const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
      expect(exprs.length).toBeGreaterThan(15);
      for (const expr of exprs) expect(await hasData(expr), expr).toBeDefined();
    }, 120_000);

    it('has every series the alerting rules read (the conditions themselves are false on a healthy host)', async () => {
      const names = new Set(
        rules.groups.flatMap((g) => g.rules.flatMap((r) => r.expr.match(/\bxendoctor_[a-z_]+\b/g) ?? [])),
      );
      expect(names).toContain('xendoctor_domain_block_out_of_requests_total');
      expect(names).toContain('xendoctor_kernel_log_events_total');
      // A labelled counter has no sample before its first increment: command timeouts only after one.
      names.delete('xendoctor_command_timeouts_total');
      for (const name of names) expect(await hasData(`count(${name})`), name).toBeDefined();
    }, 120_000);
  },
);
