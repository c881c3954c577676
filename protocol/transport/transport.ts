/** `listen` and `connect` over any transport address; the address kind picks the implementation. */
import { formatTransportAddress, parseTransportAddress, type TransportAddress } from './address.js';
import type {
  ConnectionHandler,
  ConnectOptions,
  ListenOptions,
  TransportConnection,
  TransportListener,
} from './connection.js';
import { connectNet, listenNet } from './net-transport.js';
import { connectVsock, listenVsock } from './vsock-transport.js';

// A structured address passes through the same schema as text, so both doors admit the same values.
function resolveAddress(address: string | TransportAddress): TransportAddress {
  return parseTransportAddress(typeof address === 'string' ? address : formatTransportAddress(address));
}

/** Listens on `address`; each accepted connection goes to `onConnection`. */
export async function listen(
  address: string | TransportAddress,
  onConnection: ConnectionHandler,
  options: ListenOptions = {},
): Promise<TransportListener> {
  const parsed = resolveAddress(address);
  return parsed.kind === 'vsock'
    ? listenVsock(parsed, onConnection, options)
    : listenNet(parsed, onConnection, options);
}

/** Connects to `address`; rejects with TRANSPORT_CONNECT_FAILED (or TRANSPORT_UNAVAILABLE for vsock off Linux). */
export async function connect(
  address: string | TransportAddress,
  options: ConnectOptions = {},
): Promise<TransportConnection> {
  const parsed = resolveAddress(address);
  return parsed.kind === 'vsock' ? connectVsock(parsed, options) : connectNet(parsed, options);
}
