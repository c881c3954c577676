/**
 * The store protocol over a FrameChannel: one request body per operation (a CBOR map with `op`), answered by a
 * response body or an error frame carrying a StoreError code. Both directions are validated here: the server
 * trusts no enclave-side peer, and the enclave trusts nothing the parent sends back.
 *
 *   read-key                       -> { blob: bytes | null }
 *   write-key { blob }             -> {}
 *   append { count, bodyBytes, body? }   body inline, or the record encoding as the request's upload -> {}
 *   drop { sessionId }             -> {}
 *   read-open                      -> { reader }          a snapshot of the log at this moment
 *   read { reader, maxBytes }      -> { data, done }      the next record-encoded bytes of the snapshot
 *   read-close { reader }          -> {}
 */
import { z } from 'zod';
import { cborToPlain } from '../codec/plain.js';
import { bytesSchema, SESSION_ID_BYTES } from '../codec/schema.js';
import { StoreError, type StoreErrorCode } from './errors.js';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_SEAL_KEY_BYTES, RECORD_HEADER_BYTES } from './record.js';

/**
 * Largest append sent inside its request; larger ones go as an upload. Bounds what a server holds per request in
 * flight (a connection has at most its request limit of them).
 */
export const MAX_INLINE_BODY_BYTES = 256 * 1024;
/** Largest `read` answer: fits a default 1 MiB frame. */
export const MAX_READ_BYTES = 512 * 1024;
export const MAX_BODY_BYTES = MAX_BATCH_BYTES + MAX_BATCH_RECORDS * RECORD_HEADER_BYTES;

const readerId = z.number().int().min(0).max(0xffff_ffff);

export const storeRequestSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('read-key') }),
  z.strictObject({ op: z.literal('write-key'), blob: bytesSchema(1, MAX_SEAL_KEY_BYTES) }),
  z
    .strictObject({
      op: z.literal('append'),
      count: z.number().int().min(1).max(MAX_BATCH_RECORDS),
      bodyBytes: z.number().int().min(1).max(MAX_BODY_BYTES),
      body: bytesSchema(1, MAX_INLINE_BODY_BYTES).optional(),
    })
    .refine((r) => r.body === undefined || r.body.length === r.bodyBytes, {
      message: 'bodyBytes must equal the inline body length',
    }),
  z.strictObject({ op: z.literal('drop'), sessionId: bytesSchema(SESSION_ID_BYTES, SESSION_ID_BYTES) }),
  z.strictObject({ op: z.literal('read-open') }),
  z.strictObject({ op: z.literal('read'), reader: readerId, maxBytes: z.number().int().min(1) }),
  z.strictObject({ op: z.literal('read-close'), reader: readerId }),
]);

export type StoreRequest = z.output<typeof storeRequestSchema>;

export const readKeyResponseSchema = z.strictObject({
  blob: z.union([bytesSchema(1, MAX_SEAL_KEY_BYTES), z.null()]),
});
export const emptyResponseSchema = z.strictObject({});
export const readOpenResponseSchema = z.strictObject({ reader: readerId });
export const readResponseSchema = z.strictObject({
  data: bytesSchema(0, MAX_READ_BYTES),
  done: z.boolean(),
});

function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Validates a body that crossed the wire (CBOR maps or plain objects); `what` names it in the error. */
export function parseStoreMessage<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  code: StoreErrorCode = 'STORE_REQUEST_INVALID',
): z.output<S> {
  let plain: unknown;
  try {
    plain = cborToPlain(value);
  } catch (cause) {
    throw new StoreError(code, `${what} is invalid: ${(cause as Error).message}`);
  }
  const result = schema.safeParse(plain);
  if (result.success) return result.data;
  throw new StoreError(code, `${what} is invalid: ${issuesOf(result.error)}`);
}
