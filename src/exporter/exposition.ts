// What a scrape gets: the xendoctor_* text rendered by prom-client once per snapshot (per format, on first
// ask) plus prom-client's default process metrics (process_*, nodejs_*), collected at scrape time.
import Negotiator from 'negotiator';
import { collectDefaultMetrics, Registry, type RegistryContentType } from 'prom-client';
import { buildRegistry, type ContentType, type Rejected, type Snapshot } from './metrics.js';

export const CONTENT_TYPES: Record<ContentType, string> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

// What the daemon can write, in its order of preference when the client likes both equally (`*/*`, curl:
// the text format). OpenMetrics 1.0.0 only (prom-client's version); a client that asks for another
// version gets the text format.
const OFFERED: Array<[string, ContentType]> = [
  ['text/plain; version=0.0.4', 'prometheus'],
  ['application/openmetrics-text; version=1.0.0', 'openmetrics'],
];

/**
 * The format the Accept header prefers, by q-value (Prometheus sends OpenMetrics at q=0.5 and the text
 * format at q=0.3). `q=0` refuses a format. A header that accepts neither gets the text format, as
 * Prometheus' own exporters answer.
 */
export function negotiate(accept: string | undefined): ContentType {
  if (!accept) return 'prometheus';
  const [best] = new Negotiator({ headers: { accept } }).mediaTypes(OFFERED.map(([type]) => type));
  return OFFERED.find(([type]) => type === best)?.[1] ?? 'prometheus';
}

/**
 * Caches the rendered text of one snapshot, encoded once: a scrape writes the cached bytes and the process
 * metrics, and allocates nothing in the JS heap the size of the body. Replace the snapshot with `update`
 * after each cycle.
 */
export class Exposition {
  private snapshot: Snapshot = { runs: [] };
  private readonly encoded = new Map<ContentType, Promise<Buffer>>();
  /**
   * prom-client's default metrics, one registry per format, made on first ask: prom-client renames a
   * counter object for OpenMetrics (drops its _total) when it renders, so one set of collectors cannot
   * serve both formats. Prometheus asks for one format only.
   */
  private readonly process = new Map<ContentType, Registry<RegistryContentType>>();

  constructor(private readonly withProcess = true) {
    // prom-client counts process CPU from when its collectors are made: make the text format's now.
    if (withProcess) this.processRegistry('prometheus');
  }

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
    const live = await this.processRegistry(format).metrics();
    // OpenMetrics: the process families go before the single "# EOF" (prom-client's text ends with it);
    // text format: families are separated by a blank line.
    return format === 'openmetrics' ? [body, Buffer.from(live)] : [body, Buffer.from(`\n${live}`)];
  }

  private processRegistry(format: ContentType): Registry<RegistryContentType> {
    let registry = this.process.get(format);
    if (!registry) {
      registry = new Registry();
      registry.setContentType(CONTENT_TYPES[format] as RegistryContentType);
      collectDefaultMetrics({ register: registry });
      for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
      this.process.set(format, registry);
    }
    return registry;
  }

  /** The whole exposition as text (tests and the benchmark; the server writes `chunks`). */
  async render(format: ContentType): Promise<string> {
    return Buffer.concat(await this.chunks(format)).toString('utf8');
  }
}

const OPENMETRICS_EOF = Buffer.from('# EOF\n');

// Gauges prom-client names like counters (`promtool check metrics`: "non-counter metrics should not have
// _total suffix"); left out so the exposition passes Prometheus' own lint. The by-type series stay.
const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The body's bytes; OpenMetrics without its final "# EOF" line (the process metrics go before it). */
async function encode(text: Promise<string>, format: ContentType): Promise<Buffer> {
  const body = await text;
  return Buffer.from(format === 'openmetrics' ? body.replace(/# EOF\n$/, '') : body, 'utf8');
}
