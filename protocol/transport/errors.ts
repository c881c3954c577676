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
  /** Nothing was in flight and nothing arrived for the idle timeout: the connection was closed. */
  | 'TRANSPORT_IDLE_TIMEOUT'
  /** The peer did not read what was sent to it within the drain timeout (a reader stalling the writer). */
  | 'TRANSPORT_WRITE_TIMEOUT'
  | 'FRAME_TOO_LARGE'
  | 'FRAME_MALFORMED'
  | 'FRAME_VERSION_UNSUPPORTED'
  | 'FRAME_UNEXPECTED'
  /** A frame that had started did not finish within the frame timeout (a slowloris peer). */
  | 'FRAME_TIMEOUT'
  | 'UPLOAD_INTEGRITY'
  | 'UPLOAD_ABORTED';

export class TransportError extends NitroMpcError<TransportErrorCode> {}
