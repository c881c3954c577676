export {
  formatTransportAddress,
  parseTransportAddress,
  type TcpAddress,
  type TransportAddress,
  UNIX_PATH_MAX_BYTES,
  type UnixAddress,
  VSOCK_CID_ANY,
  type VsockAddress,
} from './address.js';
export type {
  ConnectionHandler,
  ConnectOptions,
  ListenOptions,
  TransportConnection,
  TransportListener,
} from './connection.js';
export { TransportError, type TransportErrorCode } from './errors.js';
export * from './frames/index.js';
export { NativeSocketStream, type NativeSocketStreamOptions } from './native-socket-stream.js';
export { connect, listen } from './transport.js';
