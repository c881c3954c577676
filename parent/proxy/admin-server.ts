/** The admin HTTP server: `/metrics` (Prometheus text) and `/healthz` (200 when ready, 503 otherwise). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { formatTransportAddress, type TransportAddress } from '../../protocol/transport/index.js';
import { ProxyError } from './errors.js';

export interface HealthReport {
  readonly ready: boolean;
  readonly [fact: string]: unknown;
}

export interface AdminServer {
  readonly address: TransportAddress;
  close(): Promise<void>;
}

export interface AdminOptions {
  readonly registry: Registry;
  readonly health: () => Promise<HealthReport>;
}

async function answer(
  options: AdminOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
  } else if (path === '/metrics') {
    const body = await options.registry.metrics();
    response.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
  } else if (path === '/healthz') {
    const report = await options.health();
    response
      .writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' })
      .end(`${JSON.stringify(report)}\n`);
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  }
}

/** Listens on a tcp:// or unix:// address; rejects with PROXY_LISTEN_FAILED. */
export function startAdminServer(address: TransportAddress, options: AdminOptions): Promise<AdminServer> {
  if (address.kind === 'vsock')
    throw new ProxyError('PROXY_CONFIG_INVALID', 'the admin server listens on tcp:// or unix:// only');
  const server = createServer((request, response) => {
    answer(options, request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (cause) => {
      const errno = (cause as { code?: unknown }).code;
      reject(
        new ProxyError(
          'PROXY_LISTEN_FAILED',
          `could not listen on ${formatTransportAddress(address)} for metrics (${String(errno ?? cause.message)})`,
          { cause, details: { address: formatTransportAddress(address) } },
        ),
      );
    });
    const listening = (): void => {
      server.removeAllListeners('error');
      const bound = server.address();
      const actual =
        address.kind === 'tcp' && typeof bound === 'object' && bound !== null
          ? { ...address, port: bound.port }
          : address;
      resolve({
        address: actual,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    };
    if (address.kind === 'unix') server.listen({ path: address.path }, listening);
    else server.listen({ host: address.host, port: address.port }, listening);
  });
}
