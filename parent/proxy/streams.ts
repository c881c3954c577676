/**
 * Listening and dialing for the relay. tcp and unix go through `node:net` directly because a relay needs
 * half-open sockets (`allowHalfOpen`) and accepted sockets paused until the upstream is connected, which
 * protocol/transport's `listen`/`connect` do not offer; vsock goes through protocol/transport.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  connect as connectTransport,
  formatTransportAddress,
  listen as listenTransport,
  type TransportAddress,
} from '../../protocol/transport/index.js';
import { ProxyError } from './errors.js';

export interface StreamListener {
  /** Where it listens, with a system-chosen port filled in. */
  readonly address: TransportAddress;
  /** Stops accepting; open connections stay. */
  stopAccepting(): Promise<void>;
  /** Stops accepting and releases the socket. */
  close(): Promise<void>;
}

/**
 * Connections the kernel queues before the proxy accepts them (capped by net.core.somaxconn). Node's default, 511,
 * drops SYNs when a thousand parties connect at once, and a dropped SYN costs its party a one-second retransmit.
 */
const LISTEN_BACKLOG = 4096;

/** A unix socket whose listen backlog is full refuses with EAGAIN at once; the dial tries again this often. */
const FULL_BACKLOG_RETRY_MS = 10;

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function listenFailed(address: TransportAddress, cause: unknown): ProxyError {
  const where = formatTransportAddress(address);
  const errno = errnoOf(cause);
  return new ProxyError(
    'PROXY_LISTEN_FAILED',
    `could not listen on ${where} (${errno ?? (cause as Error).message})${errno === 'EADDRINUSE' ? ': already in use' : ''}`,
    { cause, details: { address: where, ...(errno === undefined ? {} : { errno }) } },
  );
}

function listenNet(
  address: Exclude<TransportAddress, { kind: 'vsock' }>,
  onConnection: (stream: Duplex) => void,
  onError: (error: Error) => void,
): Promise<StreamListener> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(listenFailed(address, error)));
    const listening = (): void => {
      server.removeAllListeners('error');
      server.on('error', onError);
      const bound = server.address();
      const actual =
        address.kind === 'tcp' && typeof bound === 'object' && bound !== null
          ? { ...address, port: bound.port }
          : address;
      // server.close() stops listening at once but calls back only when every accepted connection has ended: a
      // drain that awaited it would wait for idle parties forever instead of its deadline.
      let closed: Promise<void> | undefined;
      const close = (): Promise<void> => {
        closed ??= new Promise<void>((done) => server.close(() => done()));
        return closed;
      };
      const stopAccepting = async (): Promise<void> => {
        void close();
      };
      resolve({ address: actual, stopAccepting, close });
    };
    if (address.kind === 'unix') server.listen({ path: address.path, backlog: LISTEN_BACKLOG }, listening);
    else server.listen({ host: address.host, port: address.port, backlog: LISTEN_BACKLOG }, listening);
  });
}

/** Listens on `address`; each accepted stream arrives paused. Throws PROXY_LISTEN_FAILED. */
export async function listenStreams(
  address: TransportAddress,
  onConnection: (stream: Duplex) => void,
  onError: (error: Error) => void,
): Promise<StreamListener> {
  if (address.kind !== 'vsock') return listenNet(address, onConnection, onError);
  let accepting = true;
  try {
    const listener = await listenTransport(
      address,
      (stream) => {
        if (accepting) onConnection(stream);
        else stream.destroy();
      },
      { onError },
    );
    // The transport's close() also destroys accepted streams, so while draining it only stops handing them on.
    return {
      address: listener.address,
      stopAccepting: async () => {
        accepting = false;
      },
      close: () => listener.close(),
    };
  } catch (cause) {
    throw listenFailed(address, cause);
  }
}

function connectNet(
  address: Exclude<TransportAddress, { kind: 'vsock' }>,
  timeoutMs: number,
): Promise<Socket> {
  const socket =
    address.kind === 'unix'
      ? createConnection({ path: address.path, allowHalfOpen: true })
      : createConnection({ host: address.host, port: address.port, allowHalfOpen: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * Dials `address` within `timeoutMs`; rejects with the underlying error (its `code` says why). A unix upstream
 * with a full backlog (EAGAIN: the enclave process is busy and has not accepted yet) is tried again until then.
 */
export async function dialStream(address: TransportAddress, timeoutMs: number): Promise<Duplex> {
  if (address.kind === 'vsock') return connectTransport(address, { timeoutMs });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connectNet(address, Math.max(1, deadline - Date.now()));
    } catch (error) {
      if (errnoOf(error) !== 'EAGAIN' || Date.now() + FULL_BACKLOG_RETRY_MS >= deadline) throw error;
      await new Promise((retry) => setTimeout(retry, FULL_BACKLOG_RETRY_MS));
    }
  }
}

/** The errno-style reason of a failed dial or socket error, for logs and metric labels. */
export function failureReason(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return errnoOf(cause) ?? errnoOf(error) ?? 'error';
}
