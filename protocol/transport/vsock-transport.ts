/** AF_VSOCK listen and connect through the nitro_native addon; streams are `NativeSocketStream`s. */
import { loadNitroNative, type NitroNativeAddon } from '../../native/index.js';
import { formatTransportAddress, type VsockAddress } from './address.js';
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
import { NativeSocketStream } from './native-socket-stream.js';
import { systemErrorCode } from './system-error.js';

/** How long accepting pauses after a failure such as EMFILE, so a level-triggered watcher does not spin. */
const ACCEPT_RETRY_MS = 100;

function vsockAddon(address: VsockAddress): NitroNativeAddon {
  let addon: NitroNativeAddon;
  try {
    addon = loadNitroNative();
  } catch (cause) {
    throw new TransportError(
      'TRANSPORT_UNAVAILABLE',
      `${formatTransportAddress(address)} needs the nitro_native addon, which is not available: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (addon.vsockSupported !== 1) {
    throw new TransportError(
      'TRANSPORT_UNAVAILABLE',
      'AF_VSOCK sockets exist only on Linux; use a unix:// or tcp:// address here',
    );
  }
  return addon;
}

function unavailableOrFailed(
  error: unknown,
  address: VsockAddress,
  code: 'TRANSPORT_LISTEN_FAILED' | 'TRANSPORT_CONNECT_FAILED',
  verb: string,
): TransportError {
  const errno = systemErrorCode(error);
  const where = formatTransportAddress(address);
  if (errno === 'EAFNOSUPPORT' || errno === 'ENOSYS') {
    return new TransportError(
      'TRANSPORT_UNAVAILABLE',
      `this kernel has no AF_VSOCK support (${errno}); load the vsock modules or use unix:// or tcp://`,
      {
        cause: error,
        details: { address: where, errno },
      },
    );
  }
  const hint =
    errno === 'ENODEV'
      ? ': no VM or enclave has this CID'
      : errno === 'ECONNRESET' || errno === 'ECONNREFUSED'
        ? ': nothing listens on that port'
        : '';
  return new TransportError(code, `could not ${verb} ${where} (${errno ?? 'unknown error'})${hint}`, {
    cause: error,
    details: { address: where, ...(errno === undefined ? {} : { errno }) },
  });
}

export async function listenVsock(
  address: VsockAddress,
  onConnection: ConnectionHandler,
  options: ListenOptions,
): Promise<TransportListener> {
  const addon = vsockAddon(address);
  let fd: number;
  try {
    fd = addon.vsockListen(
      address.cid,
      address.port === 0 ? addon.vsockPortAny : address.port,
      options.backlog ?? DEFAULT_BACKLOG,
    );
  } catch (error) {
    throw unavailableOrFailed(error, address, 'TRANSPORT_LISTEN_FAILED', 'listen on');
  }
  const bound = addon.vsockLocalAddress(fd);
  const connections = new Set<TransportConnection>();
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const acceptAll = (): void => {
    while (!closed) {
      let client: number;
      try {
        client = addon.socketAccept(fd);
      } catch (error) {
        addon.pollSet(watcher, 0);
        retry = setTimeout(() => !closed && addon.pollSet(watcher, 1), ACCEPT_RETRY_MS);
        options.onError?.(unavailableOrFailed(error, address, 'TRANSPORT_LISTEN_FAILED', 'accept on'));
        return;
      }
      if (client < 0) return;
      const connection = new NativeSocketStream(addon, client);
      connections.add(connection);
      connection.once('close', () => connections.delete(connection));
      onConnection(connection);
    }
  };
  const watcher = addon.pollOpen(fd, (status) => {
    if (status < 0)
      options.onError?.(
        new TransportError(
          'TRANSPORT_LISTEN_FAILED',
          `watching the vsock listener failed (status ${status})`,
        ),
      );
    else acceptAll();
  });
  addon.pollSet(watcher, 1);

  return {
    address: { kind: 'vsock', cid: bound.cid, port: bound.port },
    close: async () => {
      if (closed) return;
      closed = true;
      clearTimeout(retry);
      addon.pollClose(watcher);
      addon.socketClose(fd);
      for (const connection of connections) connection.destroy();
    },
  };
}

export async function connectVsock(
  address: VsockAddress,
  options: ConnectOptions,
): Promise<TransportConnection> {
  const addon = vsockAddon(address);
  let fd: number;
  try {
    fd = addon.vsockConnect(address.cid, address.port);
  } catch (error) {
    throw unavailableOrFailed(error, address, 'TRANSPORT_CONNECT_FAILED', 'connect to');
  }
  const stream = new NativeSocketStream(addon, fd, { connecting: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' });
      stream.destroy();
      reject(unavailableOrFailed(error, address, 'TRANSPORT_CONNECT_FAILED', 'connect to'));
    }, options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const failed = (error: Error): void => {
      clearTimeout(timer);
      reject(unavailableOrFailed(error, address, 'TRANSPORT_CONNECT_FAILED', 'connect to'));
    };
    stream.once('error', failed);
    stream.once('connect', () => {
      clearTimeout(timer);
      stream.off('error', failed);
      resolve(stream);
    });
  });
}
