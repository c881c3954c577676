/** unix:// and tcp:// through node:net (simulator mode, tests, the parent's public side). */
import { createConnection, createServer, type Socket } from 'node:net';
import { formatTransportAddress, type TcpAddress, type UnixAddress } from './address.js';
import {
  type ConnectionHandler,
  type ConnectOptions,
  DEFAULT_BACKLOG,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type ListenOptions,
  type TransportConnection,
  type TransportListener,
} from './connection.js';
import { TransportError } from './errors.js';
import { removeStaleUnixSocket } from './stale-socket.js';
import { systemErrorCode } from './system-error.js';

type NetAddress = UnixAddress | TcpAddress;

function failure(
  code: 'TRANSPORT_LISTEN_FAILED' | 'TRANSPORT_CONNECT_FAILED',
  address: NetAddress,
  error: unknown,
): TransportError {
  const errno = systemErrorCode(error);
  const where = formatTransportAddress(address);
  const hint =
    errno === 'EADDRINUSE'
      ? address.kind === 'unix'
        ? ': the path exists; remove a stale socket file or pick another path'
        : ': the port is taken'
      : errno === 'ECONNREFUSED' || errno === 'ENOENT'
        ? ': nothing listens there'
        : '';
  return new TransportError(
    code,
    `could not ${code === 'TRANSPORT_LISTEN_FAILED' ? 'listen on' : 'connect to'} ${where} (${errno ?? 'unknown error'})${hint}`,
    {
      cause: error,
      details: { address: where, ...(errno === undefined ? {} : { errno }) },
    },
  );
}

export async function listenNet(
  address: NetAddress,
  onConnection: ConnectionHandler,
  options: ListenOptions,
): Promise<TransportListener> {
  if (address.kind === 'unix') await removeStaleUnixSocket(address.path);
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    onConnection(socket);
  });
  const backlog = options.backlog ?? DEFAULT_BACKLOG;
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(failure('TRANSPORT_LISTEN_FAILED', address, error)));
    const listening = (): void => {
      server.removeAllListeners('error');
      server.on('error', (error) => options.onError?.(failure('TRANSPORT_LISTEN_FAILED', address, error)));
      const bound = server.address();
      const actual: NetAddress =
        address.kind === 'tcp' && typeof bound === 'object' && bound !== null
          ? { ...address, port: bound.port }
          : address;
      let closing: Promise<void> | undefined;
      resolve({
        address: actual,
        close: () => {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of connections) socket.destroy();
          });
          return closing;
        },
      });
    };
    if (address.kind === 'unix') server.listen({ path: address.path, backlog }, listening);
    else server.listen({ host: address.host, port: address.port, backlog }, listening);
  });
}

export function connectNet(address: NetAddress, options: ConnectOptions): Promise<TransportConnection> {
  const socket =
    address.kind === 'unix'
      ? createConnection({ path: address.path })
      : createConnection({ host: address.host, port: address.port });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        failure(
          'TRANSPORT_CONNECT_FAILED',
          address,
          Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }),
        ),
      );
    }, options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(failure('TRANSPORT_CONNECT_FAILED', address, error));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
