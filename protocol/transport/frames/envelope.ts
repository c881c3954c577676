/**
 * The frame envelope: a CBOR array `[version, type, id, ...]`. Arrays keep frames small and validate as zod tuples.
 * `id` is chosen by the side that sends the request; responses, errors and upload frames repeat it. The request
 * and response bodies are opaque CBOR values: their meaning belongs to protocol/messages.
 *
 *   [1, 0, id, body, hasUpload]            request (chunks follow when hasUpload)
 *   [1, 1, id, body]                       response
 *   [1, 2, id, code, message]              error response (the handler refused or failed)
 *   [1, 3, id, seq, data]                  upload chunk, seq counting from 0
 *   [1, 4, id, chunks, bytes, sha256]      upload end: totals and digest of the data
 *   [1, 5, id]                             upload cancelled by its sender
 */
import { z } from 'zod';
import { FRAME_PROTOCOL_VERSION } from './limits.js';

export const FrameType = { request: 0, response: 1, error: 2, chunk: 3, end: 4, cancel: 5 } as const;

/** Request ids are unsigned 32-bit; the sender reuses one only after its exchange finished. */
export const MAX_REQUEST_ID = 0xffff_ffff;
/** Bound on an error frame's code and message, both untrusted text from the peer. */
export const MAX_ERROR_CODE_LENGTH = 64;
export const MAX_ERROR_MESSAGE_LENGTH = 1024;

const version = z.literal(FRAME_PROTOCOL_VERSION);
const id = z.number().int().min(0).max(MAX_REQUEST_ID);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const bytes = z.instanceof(Uint8Array);

/** One tuple schema per frame type, by the type number (`wire[1]`). */
const frameSchemas = [
  z.tuple([version, z.literal(FrameType.request), id, z.unknown(), z.boolean()]),
  z.tuple([version, z.literal(FrameType.response), id, z.unknown()]),
  z.tuple([
    version,
    z.literal(FrameType.error),
    id,
    z
      .string()
      .regex(/^[A-Z0-9_]+$/)
      .max(MAX_ERROR_CODE_LENGTH),
    z.string().max(MAX_ERROR_MESSAGE_LENGTH),
  ]),
  z.tuple([version, z.literal(FrameType.chunk), id, count, bytes]),
  z.tuple([
    version,
    z.literal(FrameType.end),
    id,
    count,
    count,
    bytes.refine((d) => d.length === 32, 'sha256 is 32 bytes'),
  ]),
  z.tuple([version, z.literal(FrameType.cancel), id]),
] as const;

export const frameEnvelopeSchema = z.union(frameSchemas);

/**
 * The schema a wire value must match: the one its type number names (a union would try each in turn, building a
 * failure for every earlier type: two per response frame), or the union, whose error names no type, otherwise.
 */
export function frameSchemaFor(wire: unknown): z.ZodType<z.infer<typeof frameEnvelopeSchema>> {
  const type = Array.isArray(wire) ? wire[1] : undefined;
  return typeof type === 'number' && Number.isInteger(type) && type >= 0 && type < frameSchemas.length
    ? (frameSchemas[type] as z.ZodType<z.infer<typeof frameEnvelopeSchema>>)
    : frameEnvelopeSchema;
}

/** A validated frame, as the channel uses it. */
export type FrameEnvelope =
  | { readonly type: 'request'; readonly id: number; readonly body: unknown; readonly hasUpload: boolean }
  | { readonly type: 'response'; readonly id: number; readonly body: unknown }
  | { readonly type: 'error'; readonly id: number; readonly code: string; readonly message: string }
  | { readonly type: 'chunk'; readonly id: number; readonly seq: number; readonly data: Uint8Array }
  | {
      readonly type: 'end';
      readonly id: number;
      readonly chunks: number;
      readonly bytes: number;
      readonly sha256: Uint8Array;
    }
  | { readonly type: 'cancel'; readonly id: number };

export function envelopeToWire(envelope: FrameEnvelope): unknown[] {
  const v = FRAME_PROTOCOL_VERSION;
  switch (envelope.type) {
    case 'request':
      return [v, FrameType.request, envelope.id, envelope.body, envelope.hasUpload];
    case 'response':
      return [v, FrameType.response, envelope.id, envelope.body];
    case 'error':
      return [v, FrameType.error, envelope.id, envelope.code, envelope.message];
    case 'chunk':
      return [v, FrameType.chunk, envelope.id, envelope.seq, envelope.data];
    case 'end':
      return [v, FrameType.end, envelope.id, envelope.chunks, envelope.bytes, envelope.sha256];
    case 'cancel':
      return [v, FrameType.cancel, envelope.id];
  }
}

export function envelopeFromWire(wire: z.infer<typeof frameEnvelopeSchema>): FrameEnvelope {
  switch (wire[1]) {
    case FrameType.request:
      return { type: 'request', id: wire[2], body: wire[3], hasUpload: wire[4] };
    case FrameType.response:
      return { type: 'response', id: wire[2], body: wire[3] };
    case FrameType.error:
      return { type: 'error', id: wire[2], code: wire[3], message: wire[4] };
    case FrameType.chunk:
      return { type: 'chunk', id: wire[2], seq: wire[3], data: wire[4] };
    case FrameType.end:
      return { type: 'end', id: wire[2], chunks: wire[3], bytes: wire[4], sha256: wire[5] };
    case FrameType.cancel:
      return { type: 'cancel', id: wire[2] };
  }
}
