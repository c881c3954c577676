export {
  DEFAULT_FRAME_TIMEOUT_MS,
  FrameChannel,
  type FrameChannelOptions,
  type FrameChannelStats,
  HANDLER_FAILED_CODE,
  type IncomingRequest,
  NO_HANDLER_CODE,
  type RequestHandler,
  type RequestOptions,
  type UploadSource,
} from './channel.js';
export { type FrameEnvelope, FrameType, MAX_REQUEST_ID } from './envelope.js';
export { decodeFrameBody, encodeFrame } from './frame-codec.js';
export { FrameDecoder } from './frame-decoder.js';
export { FrameWriter } from './frame-writer.js';
export { IncomingUpload } from './incoming-upload.js';
export {
  CHUNK_ENVELOPE_OVERHEAD_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_UPLOAD_CHUNK_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_PROTOCOL_VERSION,
  MAX_MAX_FRAME_BYTES,
  MIN_MAX_FRAME_BYTES,
} from './limits.js';
