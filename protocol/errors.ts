import { NitroMpcError } from '../common/errors.js';

/** Every way a protocol object can be refused. The code names what failed; the message says what to do. */
export const PROTOCOL_ERROR_CODES = [
  /** The manifest does not match the schema, or its references are inconsistent (unknown party, duplicate id...). */
  'MANIFEST_INVALID',
  /** The manifest bytes are well-formed CBOR but not its canonical encoding, so their hash is not the session id. */
  'MANIFEST_NOT_CANONICAL',
  /** An approval is malformed, for another session, or from a party the manifest does not name. */
  'APPROVAL_INVALID',
  /** A signature does not verify with the key it must verify with. */
  'SIGNATURE_INVALID',
  /** A key (signing or HPKE) is malformed, of the wrong type or not in its canonical form. */
  'KEY_INVALID',
  /** An envelope's session, input, party or round differs from what the receiver expects (replay or misrouting). */
  'BINDING_MISMATCH',
  /** An envelope is authenticated with a key its sender does not have in the manifest (HPKE auth, no hpkePublicKey). */
  'SENDER_KEY_MISSING',
  /** HPKE could not open the ciphertext: wrong key, tampered bytes or a different binding. */
  'HPKE_OPEN_FAILED',
  /** A chunked input arrived out of order, duplicated, after its final chunk, or ended without one. */
  'CHUNK_SEQUENCE_INVALID',
  /** A message does not match its schema (wrong type, missing or unknown field, bad size). */
  'MESSAGE_INVALID',
  /** A signed request's nonce was already seen. */
  'REQUEST_REPLAYED',
  /** A signed request is dated further from the enclave's clock than the tolerance allows (either way). */
  'REQUEST_CLOCK_SKEW',
  /** Too many signed requests within the replay window: the nonce memory is full; retry in a while. */
  'REQUEST_RATE_EXCEEDED',
  /** The attestation document's user_data is not a session binding, or binds another session. */
  'ATTESTATION_BINDING_INVALID',
  /** A result receipt or destruction certificate is malformed or inconsistent with the manifest. */
  'RECEIPT_INVALID',
  /** Bytes that must be canonical CBOR are not, or a value cannot be encoded canonically. */
  'ENCODING_INVALID',
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends NitroMpcError<ProtocolErrorCode> {}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
