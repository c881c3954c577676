import { NitroMpcError } from '../../common/errors.js';

/** Every failure of the transport and its framing, as a stable code. */
export type TransportErrorCode =
  | 'TRANSPORT_ADDRESS_INVALID'
  | 'TRANSPORT_OPTIONS_INVALID'
  | 'TRANSPORT_UNAVAILABLE'
  | 'TRANSPORT_LISTEN_FAILED'
  | 'TRANSPORT_CONNECT_FAILED'
  | 'TRANSPORT_CONNECTION_LOST'
  | 'TRANSPORT_CLOSED'
  | 'TRANSPORT_REMOTE_ERROR'
  | 'FRAME_TOO_LARGE'
  | 'FRAME_MALFORMED'
  | 'FRAME_VERSION_UNSUPPORTED'
  | 'FRAME_UNEXPECTED'
  | 'UPLOAD_INTEGRITY'
  | 'UPLOAD_ABORTED';

export class TransportError extends NitroMpcError<TransportErrorCode> {}
