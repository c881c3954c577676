/** One frame on the wire: a 4-byte big-endian body length, then the envelope as plain CBOR. */
import { CborFormatError, decodeStrictCbor, encodeCbor } from '../../../common/cbor/index.js';
import { TransportError } from '../errors.js';
import { envelopeFromWire, envelopeToWire, type FrameEnvelope, frameSchemaFor } from './envelope.js';
import { FRAME_HEADER_BYTES, FRAME_PROTOCOL_VERSION } from './limits.js';

export function frameTooLarge(
  bytes: number,
  maxFrameBytes: number,
  direction: 'send' | 'receive',
): TransportError {
  const hint =
    direction === 'send' ? '; send large inputs as an upload, in chunks' : '; the peer was disconnected';
  return new TransportError(
    'FRAME_TOO_LARGE',
    `a frame of ${bytes} bytes exceeds the maximum of ${maxFrameBytes} bytes${hint}`,
    { details: { bytes, maxFrameBytes, direction } },
  );
}

/** Encodes `envelope` as one frame; throws FRAME_TOO_LARGE when its body would exceed `maxFrameBytes`. */
export function encodeFrame(envelope: FrameEnvelope, maxFrameBytes: number): Buffer {
  const body = encodeCbor(envelopeToWire(envelope));
  if (body.length > maxFrameBytes) throw frameTooLarge(body.length, maxFrameBytes, 'send');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/** Decodes and validates one frame body (without its length header). */
export function decodeFrameBody(body: Uint8Array): FrameEnvelope {
  let wire: unknown;
  try {
    wire = decodeStrictCbor(body);
  } catch (cause) {
    const why = cause instanceof CborFormatError ? cause.message : 'undecodable CBOR';
    throw new TransportError(
      'FRAME_MALFORMED',
      `a frame is not well-formed CBOR (${why}); the peer was disconnected`,
      { cause },
    );
  }
  if (Array.isArray(wire) && wire[0] !== FRAME_PROTOCOL_VERSION && typeof wire[0] === 'number') {
    throw new TransportError(
      'FRAME_VERSION_UNSUPPORTED',
      `the peer speaks frame protocol version ${wire[0]}; this side speaks ${FRAME_PROTOCOL_VERSION}`,
      { details: { version: wire[0], supported: FRAME_PROTOCOL_VERSION } },
    );
  }
  const parsed = frameSchemaFor(wire).safeParse(wire);
  if (!parsed.success) {
    throw new TransportError(
      'FRAME_MALFORMED',
      'a frame does not match any envelope of the frame protocol; the peer was disconnected',
      {
        details: { issue: parsed.error.issues[0]?.message ?? 'invalid' },
      },
    );
  }
  return envelopeFromWire(parsed.data);
}
