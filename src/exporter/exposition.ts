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

/**
 * Caches the rendered text of one snapshot, encoded once: a scrape writes the cached bytes and a few hundred
 * bytes of process metrics, and allocates nothing in the JS heap the size of the body (a string body was
 * flattened and encoded per scrape: the young-generation collections that caused were the scrape's p99).
 * Replace the snapshot with `update` after each cycle.
 */
export class Exposition {
  private snapshot: Snapshot = { runs: [] };
  private readonly encoded = new Map<ContentType, Promise<Buffer>>();

  constructor(private readonly withProcess = true) {}

  /**
   * Takes a new snapshot and renders the text format at once (scrapes then only copy it); returns the
   * probe samples that were left out (bad names...) for the caller to log.
   */
  update(snapshot: Snapshot): Rejected[] {
    this.snapshot = snapshot;
    this.encoded.clear();
    const rejected: Rejected[] = [];
    this.encoded.set(
      'prometheus',
      encode(buildRegistry(snapshot, 'prometheus', rejected).metrics(), 'prometheus'),
    );
    return rejected;
  }

  /** The whole exposition in the given format, as the chunks to write in order. */
  async chunks(format: ContentType): Promise<Buffer[]> {
    let cached = this.encoded.get(format);
    if (!cached) {
      cached = encode(buildRegistry(this.snapshot, format).metrics(), format);
      this.encoded.set(format, cached);
    }
    const body = await cached;
    if (!this.withProcess) return format === 'openmetrics' ? [body, OPENMETRICS_EOF] : [body];
    if (format === 'openmetrics') return [body, Buffer.from(processMetrics('openmetrics')), OPENMETRICS_EOF];
    return [body, Buffer.from(`\n${processMetrics('prometheus')}`)];
  }

  /** The whole exposition as text (tests and the benchmark; the server writes `chunks`). */
  async render(format: ContentType): Promise<string> {
    return Buffer.concat(await this.chunks(format)).toString('utf8');
  }
}

const OPENMETRICS_EOF = Buffer.from('# EOF\n');

/** The body's bytes; OpenMetrics without its final "# EOF" line (the process metrics go before it). */
async function encode(text: Promise<string>, format: ContentType): Promise<Buffer> {
  const body = await text;
  return Buffer.from(format === 'openmetrics' ? body.replace(/# EOF\n$/, '') : body, 'utf8');
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
