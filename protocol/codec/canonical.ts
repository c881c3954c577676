import { CanonicalCborError, decodeCanonicalCbor, encodeCanonicalCbor } from '../../common/cbor/canonical.js';
import { CborFormatError } from '../../common/cbor/well-formed.js';
import { ProtocolError, type ProtocolErrorCode } from '../errors.js';
import { cborToPlain } from './plain.js';

/** Canonical CBOR of a protocol value; an unencodable value is `ENCODING_INVALID` (a bug on the caller's side). */
export function encodeProtocolValue(value: unknown): Uint8Array {
  try {
    return encodeCanonicalCbor(value);
  } catch (error) {
    if (error instanceof CanonicalCborError) {
      throw new ProtocolError('ENCODING_INVALID', `cannot encode as canonical CBOR: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Decodes bytes that must be canonical CBOR into plain objects. Malformed bytes are `malformedCode`; well-formed
 * but non-canonical bytes are `nonCanonicalCode` (they would hash or verify differently from what was signed).
 */
export function decodeProtocolValue(
  bytes: Uint8Array,
  what: string,
  malformedCode: ProtocolErrorCode,
  nonCanonicalCode: ProtocolErrorCode = malformedCode,
): unknown {
  try {
    return cborToPlain(decodeCanonicalCbor(bytes));
  } catch (error) {
    if (error instanceof CborFormatError) {
      const code = error.message.startsWith('not canonical') ? nonCanonicalCode : malformedCode;
      throw new ProtocolError(code, `${what}: ${error.message}`, { cause: error });
    }
    if (error instanceof TypeError) throw new ProtocolError(malformedCode, `${what}: ${error.message}`);
    throw error;
  }
}

/** Sequence is [context, body]: the context string separates message types, so one signature never serves two. */
export function toBeSigned(context: string, body: unknown): Uint8Array {
  return encodeProtocolValue([context, body]);
}
