// The HTTP face of the daemon. Every route answers from what the schedule cached: no route runs a probe
// or a command, so a scrape costs about a millisecond whatever the host is doing.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPES, negotiate } from './exposition.js';
import { landingPage } from './landing.js';
import type { DaemonState, Log } from './state.js';

export interface ServerOptions {
  state: DaemonState;
  telemetryPath: string;
  log: Log;
}

/** Creates the server (not listening yet). */
export function createServer(options: ServerOptions): http.Server {
  const { state, telemetryPath, log } = options;
  const server = http.createServer((request, response) => {
    handle(request, response).catch((caught: unknown) => {
      log.error({ err: String(caught), url: request.url }, 'request failed');
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else response.destroy();
    });
  });
  // A scraper that stalls must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    switch (url.pathname) {
      case telemetryPath: {
        const format = negotiate(request.headers.accept);
        send(response, 200, CONTENT_TYPES[format], await state.exposition.render(format));
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

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
