import { NitroMpcError } from '../../common/errors.js';

/**
 * Every way an NSM call can fail. Most mirror the NSM's own `ErrorCode` (aws-nitro-enclaves-nsm-api); the rest
 * say that there is no NSM to talk to, that the handle was closed, or that the answer made no sense.
 */
export const NSM_ERROR_CODES = [
  /** No NSM here: not inside a Nitro Enclave (no /dev/nsm), or the native addon is not built. */
  'NSM_UNAVAILABLE',
  /** The handle was closed. */
  'NSM_CLOSED',
  /** NSM `InvalidArgument`, or an argument that cannot be sent at all (not a u16 index, not bytes). */
  'NSM_INVALID_ARGUMENT',
  /** NSM `InvalidIndex`: the PCR index is beyond the NSM's `max_pcrs`. */
  'NSM_INVALID_INDEX',
  /** NSM `ReadOnlyIndex`: the PCR is locked (PCR0..15 always are) and refuses changes. */
  'NSM_PCR_LOCKED',
  /** NSM `InvalidOperation`: the NSM lacks the capability the request needs. */
  'NSM_INVALID_OPERATION',
  /** NSM `BufferTooSmall`. */
  'NSM_BUFFER_TOO_SMALL',
  /** NSM `InputTooLarge`, or the driver refused the request as longer than 4096 bytes. */
  'NSM_INPUT_TOO_LARGE',
  /** NSM `InternalError`, or the ioctl failed for another reason (errno in `details`). */
  'NSM_INTERNAL_ERROR',
  /** NSM `InvalidResponse`, or a well-formed response that does not answer the request that was sent. */
  'NSM_INVALID_RESPONSE',
  /** The response bytes are not a CBOR NSM response (schema, types, trailing bytes). */
  'NSM_MALFORMED_RESPONSE',
] as const;

export type NsmErrorCode = (typeof NSM_ERROR_CODES)[number];

export class NsmError extends NitroMpcError<NsmErrorCode> {}

export function isNsmError(value: unknown): value is NsmError {
  return value instanceof NsmError;
}
