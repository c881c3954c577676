/** The frame format's version, first element of every envelope. A peer speaking another one is refused. */
export const FRAME_PROTOCOL_VERSION = 1;
/** Each frame starts with its body length as a 32-bit big-endian unsigned integer. */
export const FRAME_HEADER_BYTES = 4;
/** Default largest frame body: one request or response, or one upload chunk with its envelope. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Default upload chunk: big enough to amortise framing, small enough to keep many uploads in memory. */
export const DEFAULT_UPLOAD_CHUNK_BYTES = 64 * 1024;
/** Room an upload chunk's envelope needs around its data. */
export const CHUNK_ENVELOPE_OVERHEAD_BYTES = 64;
/** Smallest accepted maximum frame size. */
export const MIN_MAX_FRAME_BYTES = 1024;
/** Largest accepted maximum frame size: one frame must never be able to claim a large share of memory. */
export const MAX_MAX_FRAME_BYTES = 64 * 1024 * 1024;
