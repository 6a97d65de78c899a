// The daemon in-process on 127.0.0.1 (a free port), probing a real fixture host through the real seam.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/context.js';
import { type Daemon, startDaemon } from '../src/exporter/daemon.js';
import { createHost } from '../src/host/host.js';
import { probes } from '../src/probes/index.js';
import { runReport } from '../src/report/run.js';
import { daemonConfig, quietLog } from './helpers.js';

const quiet = quietLog;

const config = daemonConfig;

describe('xendoctor serve (in-process, dom0-domu-credit2)', () => {
  let daemon: Daemon;
  let base: string;
  beforeAll(async () => {
    daemon = await startDaemon({ config: config({ telemetryPath: '/prom' }), probes, log: quiet });
    base = `http://127.0.0.1:${daemon.address.port}`;
    await daemon.schedule.idle();
  });
  afterAll(() => daemon.stop());

  it('serves the text exposition on the telemetry path, OpenMetrics when asked', async () => {
    const response = await fetch(`${base}/prom`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('xendoctor_check_status{check="xen-hypervisor"} 0');
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    const open = await fetch(`${base}/prom`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(open.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1.0.0/);
    expect(await open.text()).toMatch(/# EOF\n$/);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });

  it('serves the same document as xendoctor --json', async () => {
    const served = (await (await fetch(`${base}/report.json`)).json()) as Record<string, unknown>;
    const { document } = await runReport(createHost(config().host), probes, defaultSettings);
    const stable = (doc: Record<string, unknown>) =>
      JSON.parse(JSON.stringify({ ...doc, generatedAt: 'x' }), (key, value) =>
        key === 'durationMs' ? 0 : value,
      );
    expect(stable(served)).toEqual(stable(document as unknown as Record<string, unknown>));
  });

  it('answers /healthz 200 while cycles complete, and / with links and the current findings', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('href="/prom"');
    expect(page).toContain('href="/report.json"');
    expect(page).toContain('href="/healthz"');
    const document = daemon.state.document();
    for (const check of document?.checks ?? []) {
      expect(page).toContain(`<code>${check.id}</code>`);
      for (const finding of check.findings) expect(page).toContain(`<code>${finding.code}</code>`);
    }
  });

  it('runs no command on a scrape: the exposition is the same text until the next cycle', async () => {
    const strip = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('xendoctor_'))
        .join('\n');
    const a = strip(await (await fetch(`${base}/prom`)).text());
    const b = strip(await (await fetch(`${base}/prom`)).text());
    expect(b).toBe(a);
  });

  it('refuses other methods and unknown paths', async () => {
    expect((await fetch(`${base}/prom`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

describe('xendoctor serve health and shutdown', () => {
  it('says 503 on /report.json before the first cycle, and closes its port on stop', async () => {
    const daemon = await startDaemon({ config: config(), probes, log: quiet, manual: true });
    const base = `http://127.0.0.1:${daemon.address.port}`;
    try {
      expect((await fetch(`${base}/report.json`)).status).toBe(503);
      expect(await (await fetch(`${base}/`)).text()).toContain('No cycle has completed yet.');
    } finally {
      await daemon.stop();
    }
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('runs on its schedule (a 1 s interval) and keeps publishing after cycles', async () => {
    const seen: number[] = [];
    const daemon = await startDaemon({ config: config({ intervalSeconds: 1 }), probes, log: quiet });
    try {
      // Until three cycles have finished, however long a loaded machine takes (vitest's timeout ends a hang).
      while (new Set(seen).size < 3) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const run = daemon.state.orderedRuns()[0];
        if (run) seen.push(run.finishedAt);
      }
      expect(new Set(seen).size).toBeGreaterThanOrEqual(3);
    } finally {
      await daemon.stop();
    }
  });
});
