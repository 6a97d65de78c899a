// What a scrape gets: the xendoctor_* text rendered once per snapshot (per format, on first ask) plus a few
// process metrics read at scrape time. prom-client's collectDefaultMetrics is not used: it roughly doubles
// the cost of a scrape (bench/scrape.mjs measures both); the handful of series a dashboard needs cost
// microseconds to read (process.cpuUsage, process.memoryUsage) and keep their standard names.
import { buildRegistry, type ContentType, type Rejected, type Snapshot } from './metrics.js';

export const CONTENT_TYPES: Record<ContentType, string> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** OpenMetrics only when the scraper asks for it (Prometheus does, first, in its Accept header). */
export function negotiate(accept: string | undefined): ContentType {
  return accept?.includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus';
}

/** Caches the rendered text of one snapshot; replace the snapshot with `update` after each cycle. */
export class Exposition {
  private snapshot: Snapshot = { runs: [] };
  private readonly text = new Map<ContentType, Promise<string>>();

  constructor(private readonly withProcess = true) {}

  /**
   * Takes a new snapshot and renders the text format at once (scrapes then only copy it); returns the
   * probe samples that were left out (bad names...) for the caller to log.
   */
  update(snapshot: Snapshot): Rejected[] {
    this.snapshot = snapshot;
    this.text.clear();
    const rejected: Rejected[] = [];
    this.text.set('prometheus', buildRegistry(snapshot, 'prometheus', rejected).metrics());
    return rejected;
  }

  /** The whole exposition in the given format. */
  async render(format: ContentType): Promise<string> {
    let cached = this.text.get(format);
    if (!cached) {
      cached = buildRegistry(this.snapshot, format).metrics();
      this.text.set(format, cached);
    }
    const body = await cached;
    if (!this.withProcess) return body;
    if (format === 'openmetrics') {
      return `${body.replace(/# EOF\n$/, '')}${processMetrics('openmetrics')}# EOF\n`;
    }
    return `${body}\n${processMetrics('prometheus')}`;
  }
}

const startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());

/** The standard process_* / nodejs_* series, by hand: a few lines, no collectors. */
export function processMetrics(format: ContentType): string {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const counter = (name: string, help: string, value: number) =>
    format === 'openmetrics'
      ? `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name}_total ${value}\n`
      : `# HELP ${name}_total ${help}\n# TYPE ${name}_total counter\n${name}_total ${value}\n`;
  const gauge = (name: string, help: string, value: number) =>
    `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`;
  return [
    counter('process_cpu_user_seconds', 'Total user CPU time spent in seconds.', cpu.user / 1e6),
    counter('process_cpu_system_seconds', 'Total system CPU time spent in seconds.', cpu.system / 1e6),
    counter(
      'process_cpu_seconds',
      'Total user and system CPU time spent in seconds.',
      (cpu.user + cpu.system) / 1e6,
    ),
    gauge(
      'process_start_time_seconds',
      'Start time of the process since unix epoch in seconds.',
      startTimeSeconds,
    ),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', memory.rss),
    gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', memory.heapTotal),
    gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', memory.heapUsed),
    gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', memory.external),
  ].join(bodySeparator(format));
}

// Families are separated by a blank line in the text format and not in OpenMetrics (as metrics.ts writes).
function bodySeparator(format: ContentType): string {
  return format === 'openmetrics' ? '' : '\n';
}
