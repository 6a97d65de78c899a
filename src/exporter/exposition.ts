// What a scrape gets: the xendoctor_* text rendered by prom-client once per snapshot (and compressed once,
// for scrapers that accept gzip, as Prometheus does) plus prom-client's default process metrics
// (process_*, nodejs_*), collected at scrape time. docs/decisions/0007-precompressed-exposition.md.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import Negotiator from 'negotiator';
import { collectDefaultMetrics, Registry, type RegistryContentType } from 'prom-client';
import { remembered } from '../remembered.js';
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
  return accept ? formatFor(accept) : 'prometheus';
}

// A scraper sends the same headers every time (Negotiator's parse was ~65 µs of a ~570 µs scrape): the
// answers for this many distinct values are remembered.
const HEADER_VALUES = 32;

const formatFor = remembered((accept: string): ContentType => {
  const [best] = new Negotiator({ headers: { accept } }).mediaTypes(OFFERED.map(([type]) => type));
  return OFFERED.find(([type]) => type === best)?.[1] ?? 'prometheus';
}, HEADER_VALUES);

export type Encoding = 'gzip' | 'identity';

/**
 * gzip when the client accepts it (Prometheus always sends `Accept-Encoding: gzip`), by q-value; `gzip;q=0`
 * or no header: identity. Needs zlib.crc32 (Node >= 20.15) to join the cached and the live parts.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding {
  return acceptEncoding && CAN_GZIP ? encodingFor(acceptEncoding) : 'identity';
}

const encodingFor = remembered((acceptEncoding: string): Encoding => {
  const [best] = new Negotiator({ headers: { 'accept-encoding': acceptEncoding } }).encodings([
    'gzip',
    'identity',
  ]);
  return best === 'gzip' ? 'gzip' : 'identity';
}, HEADER_VALUES);

const CAN_GZIP = typeof (zlib as { crc32?: unknown }).crc32 === 'function';

/**
 * Caches the rendered text of one snapshot, encoded once: a scrape writes the cached bytes and the process
 * metrics, and allocates nothing in the JS heap the size of the body. Replace the snapshot with `update`
 * after each cycle.
 */
export class Exposition {
  private snapshot: Snapshot = { runs: [] };
  private readonly encoded = new Map<ContentType, Promise<Buffer>>();
  private readonly deflated = new Map<ContentType, Promise<Deflated>>();
  /** What scrapers asked for since start: rendered (and compressed) with every new snapshot. */
  private readonly wanted = new Set<`${ContentType}/${Encoding}`>(['prometheus/identity']);
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
   * Takes a new snapshot and renders it at once in each format and encoding scrapers have asked for (the
   * text format always), so scrapes only copy bytes; returns the probe samples that were left out (bad
   * names...) for the caller to log.
   */
  update(snapshot: Snapshot): Rejected[] {
    this.snapshot = snapshot;
    this.encoded.clear();
    this.deflated.clear();
    const rejected: Rejected[] = [];
    this.encoded.set(
      'prometheus',
      encode(buildRegistry(snapshot, 'prometheus', rejected).metrics(), 'prometheus'),
    );
    for (const key of this.wanted) {
      const [format, encoding] = key.split('/') as [ContentType, Encoding];
      if (encoding === 'gzip') void this.deflatedBody(format).catch(() => undefined);
      else void this.body(format).catch(() => undefined);
    }
    return rejected;
  }

  /**
   * The whole exposition in the given format and encoding, as the chunks to write in order. gzip: one
   * member whose first blocks are the cached, compressed xendoctor_* text (flushed to a byte boundary, not
   * final) and whose last are the live process metrics, compressed now; the trailer's CRC-32 continues
   * the cached part's (RFC 1951 blocks may follow one another so; RFC 1952 for the member).
   */
  async chunks(format: ContentType, encoding: Encoding = 'identity'): Promise<Buffer[]> {
    this.wanted.add(`${format}/${encoding}`);
    if (encoding === 'gzip' && CAN_GZIP) {
      // The cached blocks carry their own CRC and length: an update while this scrape waits cannot mix
      // one snapshot's bytes with another's length.
      const head = await this.deflatedBody(format);
      const tail = await this.live(format);
      const trailer = Buffer.alloc(8);
      // Not crc32() of an empty tail: zlib answers 0 for a buffer without data (Z_NULL), not the CRC given.
      trailer.writeUInt32LE(tail.length > 0 ? zlib.crc32(tail, head.crc) : head.crc, 0);
      trailer.writeUInt32LE((head.length + tail.length) % 2 ** 32, 4);
      return [GZIP_HEADER, head.blocks, zlib.deflateRawSync(tail, LIVE_DEFLATE), trailer];
    }
    const body = await this.body(format);
    return [body, await this.live(format)];
  }

  /** What follows the cached text, read now: the process metrics, and OpenMetrics' single "# EOF". */
  private async live(format: ContentType): Promise<Buffer> {
    if (!this.withProcess) return format === 'openmetrics' ? OPENMETRICS_EOF : NOTHING;
    const text = await this.processRegistry(format).metrics();
    // OpenMetrics: the process families go before the "# EOF" prom-client's text ends with; text
    // format: families are separated by a blank line.
    return Buffer.from(format === 'openmetrics' ? text : `\n${text}`);
  }

  private body(format: ContentType): Promise<Buffer> {
    let cached = this.encoded.get(format);
    if (!cached) {
      cached = encode(buildRegistry(this.snapshot, format).metrics(), format);
      this.encoded.set(format, cached);
    }
    return cached;
  }

  private deflatedBody(format: ContentType): Promise<Deflated> {
    let cached = this.deflated.get(format);
    if (!cached) {
      cached = this.body(format).then(async (body) => ({
        blocks: await deflateRaw(body, { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
        crc: zlib.crc32(body),
        length: body.length,
      }));
      this.deflated.set(format, cached);
    }
    return cached;
  }

  private processRegistry(format: ContentType): Registry<RegistryContentType> {
    let registry = this.process.get(format);
    if (!registry) {
      registry = new Registry();
      registry.setContentType(CONTENT_TYPES[format] as RegistryContentType);
      // The lag sampler cannot be left out of collectDefaultMetrics: it samples once a second, not every 10 ms.
      collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
      // Only the process_* families, as client_golang's process collector serves: the nodejs_* ones (heap
      // spaces, GC, handles, event-loop lag) were half of a scrape's CPU and kept its p99 above 2 ms
      // (docs/decisions/0009-process-metrics-only.md).
      for (const metric of registry.getMetricsAsArray()) {
        if (!metric.name.startsWith('process_')) registry.removeSingleMetric(metric.name);
      }
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
const NOTHING = Buffer.alloc(0);

/** The cached part of a gzip body: deflate blocks ending byte-aligned and not final, CRC-32 and length of the text. */
interface Deflated {
  blocks: Buffer;
  crc: number;
  length: number;
}

const deflateRaw = promisify(zlib.deflateRaw);
// The live part is a few KB: an 8 KB window and a small hash table compress it as well as zlib's defaults
// (32 KB, memLevel 8), and a scrape sets up 40 KB of zlib state instead of 256 KB (zlib.h: deflateInit2).
const LIVE_DEFLATE: zlib.ZlibOptions = { windowBits: 13, memLevel: 4 };
/** A gzip member header: magic, deflate, no flags, no mtime, no extra flags, OS unknown (255). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);

/** The body's bytes; OpenMetrics without its final "# EOF" line (the process metrics go before it). */
async function encode(text: Promise<string>, format: ContentType): Promise<Buffer> {
  const body = await text;
  return Buffer.from(format === 'openmetrics' ? body.replace(/# EOF\n$/, '') : body, 'utf8');
}
