// The HTTP face of the daemon. Every route answers from what the schedule cached: no route runs a probe
// or a command, so a scrape costs about a millisecond whatever the host is doing. In front of the routes:
// the web config file (TLS, basic auth, headers; exporter-toolkit format, web-config.ts) and the limits
// (limits.ts): timeouts against slow clients, connection caps, a rate limit per client address. Only GET
// and HEAD, and no request body.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { WebSettings } from '../config.js';
import { BasicAuth } from './basic-auth.js';
import { CONTENT_TYPES, negotiate, negotiateEncoding } from './exposition.js';
import { landingPage } from './landing.js';
import {
  applyConnectionLimits,
  type Clock,
  ClientRateLimiter,
  clientKey,
  defaultLimits,
  type Limits,
  serverOptions,
  TokenBucket,
} from './limits.js';
import type { DaemonState, Log } from './state.js';
import type { WebConfig } from './web-config.js';
import { clientAllowed } from './web-config-client.js';
import { WebConfigSource } from './web-config-source.js';

export interface ServerOptions {
  state: DaemonState;
  telemetryPath: string;
  log: Log;
  /** --web.config.file, --web.rate-limit, --web.max-connections; defaults when undefined. */
  web?: WebSettings;
  /** Overrides (tests use short timeouts). */
  limits?: Partial<Limits>;
  /** The rate limits' clock, milliseconds (default Date.now; tests step a fake one instead of sleeping). */
  now?: Clock;
  /** The web config already opened (the daemon keeps it to re-read on SIGHUP); else web.configFile is opened. */
  webConfig?: WebConfigSource;
}

/**
 * Creates the server (not listening yet): HTTPS when the web config has tls_server_config, else HTTP.
 * A web config file that does not load is a ConfigError (the daemon exits 78).
 */
export async function createServer(options: ServerOptions): Promise<http.Server> {
  const { state, telemetryPath, log } = options;
  const limits: Limits = { ...defaultLimits };
  if (options.web) {
    limits.ratePerSecond = options.web.ratePerSecond;
    limits.burst = 2 * options.web.ratePerSecond;
    limits.maxConnections = options.web.maxConnections;
  }
  Object.assign(limits, options.limits);
  const source =
    options.webConfig ??
    (options.web?.configFile ? await WebConfigSource.open(options.web.configFile, log) : undefined);
  const now = options.now ?? Date.now;
  const perClient = new ClientRateLimiter(limits.ratePerSecond, limits.burst, undefined, now);
  const auth = new BasicAuth();
  let global = globalBucket(source?.current, now);

  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    handle(request, response).catch((caught: unknown) => {
      log.error({ err: caught, url: request.url }, 'request failed');
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else response.destroy();
    });
  };
  const initialTls = source?.current.tls;
  const server: http.Server = initialTls
    ? https.createServer(
        { ...serverOptions(limits), ...initialTls.secure, handshakeTimeout: limits.handshakeTimeoutMs },
        onRequest,
      )
    : http.createServer(serverOptions(limits), onRequest);

  if (source) {
    if (initialTls) {
      // Re-read before the TLS socket is made (it takes the server's context when created): a renewed
      // certificate is used from the next connection on. Runs after the connection caps (prepended later).
      server.prependListener('connection', () => source.refresh());
      server.on('secureConnection', (socket: TLSSocket) => {
        const settings = source.current.tls;
        if (settings && !clientAllowed(settings, socket)) {
          log.debug({ client: socket.remoteAddress }, 'client certificate refused');
          socket.destroy();
        }
      });
      server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
        log.debug({ client: socket.remoteAddress, err: error.message }, 'TLS handshake failed');
      });
    }
    source.onChange((config) => {
      auth.clear();
      global = globalBucket(config, now);
      if (config.tls) {
        const tlsServer = server as unknown as https.Server & {
          requestCert: boolean;
          rejectUnauthorized: boolean;
        };
        tlsServer.setSecureContext(config.tls.secure);
        // setSecureContext leaves these two alone; the next TLS socket reads them from the server.
        tlsServer.requestCert = config.tls.secure.requestCert;
        tlsServer.rejectUnauthorized = config.tls.secure.rejectUnauthorized;
      }
    });
  }
  dropConnections.set(server, applyConnectionLimits(server, limits, Boolean(initialTls)).destroyAll);
  log.info(
    {
      tls: Boolean(initialTls),
      basicAuth: (source?.current.users.size ?? 0) > 0,
      webConfig: source?.file ?? null,
      rateLimitPerClient: limits.ratePerSecond,
      maxConnections: limits.maxConnections,
    },
    'web endpoint settings',
  );

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const web = source?.refresh();
    if (web) for (const [name, value] of Object.entries(web.headers)) response.setHeader(name, value);
    // Limits first: a client over its rate costs a token check, never a bcrypt.
    const client = clientKey(request.socket.remoteAddress);
    const verdict = perClient.take(client);
    const overall = verdict.ok && global ? global.take(now()) : verdict;
    if (!overall.ok) {
      response.setHeader('Retry-After', String(overall.retryAfterSeconds));
      send(response, 429, 'text/plain; charset=utf-8', 'too many requests\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const length = request.headers['content-length'];
    if ((length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined) {
      // Nothing here reads a body; close rather than drain whatever the client meant to send.
      response.setHeader('Connection', 'close');
      send(response, 413, 'text/plain; charset=utf-8', 'no request body accepted\n');
      return;
    }
    if (web && web.users.size > 0) {
      const result = await auth.check(request.headers.authorization, web.users, client);
      if (result === 'limited') {
        // Failed logins cost their client a back-off; no bcrypt is run for it meanwhile.
        response.setHeader('Retry-After', String(auth.retryAfterSeconds(client)));
        send(response, 429, 'text/plain; charset=utf-8', 'too many failed logins\n');
        return;
      }
      if (result === 'busy') {
        response.setHeader('Retry-After', '1');
        send(response, 503, 'text/plain; charset=utf-8', 'busy checking passwords\n');
        return;
      }
      if (result !== 'ok') {
        log.debug({ client }, 'basic auth refused');
        response.setHeader('WWW-Authenticate', 'Basic realm="xendoctor", charset="UTF-8"');
        send(response, 401, 'text/plain; charset=utf-8', 'unauthorized\n');
        return;
      }
    }
    switch (requestPath(request.url)) {
      case telemetryPath: {
        const format = negotiate(request.headers.accept);
        const encoding = negotiateEncoding(request.headers['accept-encoding']);
        response.setHeader('Vary', 'Accept, Accept-Encoding');
        if (encoding === 'gzip') response.setHeader('Content-Encoding', 'gzip');
        send(response, 200, CONTENT_TYPES[format], await state.exposition.chunks(format, encoding));
        return;
      }
      case '/healthz': {
        const health = state.health();
        send(response, health.ok ? 200 : 503, 'text/plain; charset=utf-8', `${health.detail}\n`);
        return;
      }
      case '/report.json': {
        const text = state.documentText();
        if (text === undefined) {
          send(response, 503, 'application/json', '{"error":"no cycle has completed yet"}\n');
        } else send(response, 200, 'application/json', text);
        return;
      }
      case '/':
        send(response, 200, 'text/html; charset=utf-8', landingPage(state, telemetryPath));
        return;
      default:
        send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
    }
  }

  return server;
}

/**
 * The path of a request target exactly as sent, without the query. Not through `new URL`: it turns "\"
 * into "/" and resolves "..", "%2e%2e" included, so "/metrics\..\report.json" would name /report.json.
 * A route matches only its own spelling; anything else is 404.
 */
export function requestPath(target: string | undefined): string {
  const text = target ?? '/';
  const query = text.indexOf('?');
  return query === -1 ? text : text.slice(0, query);
}

/** The toolkit's rate_limit: one bucket for every client (on top of the per-client one). */
function globalBucket(config: WebConfig | undefined, now: Clock): TokenBucket | undefined {
  const rate = config?.rateLimit;
  return rate ? new TokenBucket(rate.perSecond, rate.burst, now()) : undefined;
}

/** Listens and resolves with the bound address (port 0 picks a free port: tests and the benchmark). */
export function listen(server: http.Server, host: string | undefined, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting, ends idle keep-alive sockets, and resolves once closed. */
export function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // A request in flight has 1 s to finish (a scrape takes about a millisecond); then every socket goes,
    // silent ones and TLS handshakes too: SIGTERM must end the daemon within the service manager's grace.
    setTimeout(() => {
      server.closeAllConnections();
      dropConnections.get(server)?.();
    }, SHUTDOWN_GRACE_MS).unref();
  });
}

/** How long close() lets a request in flight finish. */
export const SHUTDOWN_GRACE_MS = 1000;
/** Per server: destroys every socket it holds (set by createServer, used by close). */
const dropConnections = new WeakMap<http.Server, () => void>();

/**
 * Answers with a body given as text, or as bytes already encoded (the cached exposition: written as is, its
 * chunks and the headers in one writev, no copy into one buffer). HEAD gets the headers only.
 */
function send(
  response: http.ServerResponse,
  status: number,
  type: string,
  body: string | readonly Buffer[],
): void {
  const chunks = typeof body === 'string' ? [Buffer.from(body)] : body;
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': length, 'Cache-Control': 'no-store' });
  if (response.req.method === 'HEAD') {
    response.end();
    return;
  }
  response.cork();
  for (const chunk of chunks) response.write(chunk);
  response.end();
  response.uncork();
}
