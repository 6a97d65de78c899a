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
import { CONTENT_TYPES, negotiate } from './exposition.js';
import { landingPage } from './landing.js';
import {
  applyConnectionLimits,
  ClientRateLimiter,
  defaultLimits,
  type Limits,
  serverOptions,
  TokenBucket,
} from './limits.js';
import type { DaemonState, Log } from './state.js';
import { clientAllowed, type WebConfig, WebConfigSource } from './web-config.js';

export interface ServerOptions {
  state: DaemonState;
  telemetryPath: string;
  log: Log;
  /** --web.config.file, --web.rate-limit, --web.max-connections; defaults when undefined. */
  web?: WebSettings;
  /** Overrides (tests use short timeouts). */
  limits?: Partial<Limits>;
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
  const source = options.web?.configFile
    ? await WebConfigSource.open(options.web.configFile, log)
    : undefined;
  const perClient = new ClientRateLimiter(limits.ratePerSecond, limits.burst);
  const auth = new BasicAuth();
  let global = globalBucket(source?.current);

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
      global = globalBucket(config);
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
  applyConnectionLimits(server, limits, Boolean(initialTls));
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
    const client = request.socket.remoteAddress ?? '';
    const verdict = perClient.take(client);
    const overall = verdict.ok && global ? global.take(Date.now()) : verdict;
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
      const result = await auth.check(request.headers.authorization, web.users);
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
    const url = new URL(request.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case telemetryPath: {
        const format = negotiate(request.headers.accept);
        send(response, 200, CONTENT_TYPES[format], await state.exposition.chunks(format));
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

/** The toolkit's rate_limit: one bucket for every client (on top of the per-client one). */
function globalBucket(config: WebConfig | undefined): TokenBucket | undefined {
  const rate = config?.rateLimit;
  return rate ? new TokenBucket(rate.perSecond, rate.burst, Date.now()) : undefined;
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
    // A request in flight has 2 s to finish; then its socket goes too.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

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
