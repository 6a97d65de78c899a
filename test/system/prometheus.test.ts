// A real Prometheus server (Debian's package) scrapes `xendoctor serve` on a fixture host for a few seconds;
// the series are then read back through Prometheus's HTTP API. Everything on 127.0.0.1, both stopped by PID.
import { describe, expect, it } from 'vitest';
import { missingTools, scrapedByPrometheus, shouldRun, waitFor } from './system-helpers.js';

const missing = missingTools(['prometheus']);

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

describe.runIf(shouldRun(missing))('a real Prometheus scrapes xendoctor serve (system)', () => {
  const { query: queryAny } = scrapedByPrometheus('dom0-domu-credit2', missing);

  const query = (expr: string) => queryAny<Sample>(expr);
  const sampleOf = (expr: string) =>
    waitFor(async () => (await query(expr))[0]?.value[1], 30_000, `Prometheus to have ${expr}`);

  it('reports the target up and the known gnttab value of domid 1 ("tiny": 2 of 64 frames)', async () => {
    expect(await sampleOf('up{job="xendoctor"}')).toBe('1');
    expect(await sampleOf('xendoctor_gnttab_frames{domid="1",domain="tiny"}')).toBe('2');
    expect(await sampleOf('xendoctor_gnttab_max_frames{domid="1",domain="tiny"}')).toBe('64');
    expect(await sampleOf('xendoctor_check_status{check="xen-hypervisor"}')).toBe('0');
    expect(await sampleOf('xendoctor_build_info')).toBe('1');
    // Prometheus negotiated OpenMetrics and gzip (decision 0007: the cached part and the live process
    // metrics in one gzip member, which it decoded): a counter family reads back under its _total name.
    expect(await sampleOf('count(process_cpu_seconds_total)')).toBe('1');
    const health = await waitFor(
      async () => (await query('scrape_samples_scraped{job="xendoctor"}'))[0]?.value[1],
      10_000,
      'scrape_samples_scraped',
    );
    expect(Number(health)).toBeGreaterThan(20);
  }, 60_000);
});
