import { NitroMpcError } from '../common/errors.js';

/**
 * Every way a Nitro attestation document can fail verification. The code names the step that failed; the message
 * says what to do about it.
 */
export const ATTESTATION_ERROR_CODES = [
  /** Not a COSE_Sign1 attestation document in NSM's format (CBOR, structure, field types or sizes). */
  'ATTESTATION_MALFORMED',
  /** The COSE_Sign1 signature does not verify with the leaf certificate's key, or uses another algorithm. */
  'ATTESTATION_BAD_SIGNATURE',
  /** The certificate path is broken: issuer, signature, CA constraints, key usage or critical extensions. */
  'ATTESTATION_CHAIN_INVALID',
  /** A certificate in the path is outside its validity window at the verification time. */
  'ATTESTATION_CERT_EXPIRED',
  /** A certificate in the path is not yet valid at the verification time. */
  'ATTESTATION_CERT_NOT_YET_VALID',
  /** The path does not end at a trusted root (the pinned AWS Nitro root, or roots the caller passed). */
  'ATTESTATION_ROOT_UNTRUSTED',
  /** A PCR differs from every value the policy allows for it. */
  'ATTESTATION_PCR_MISMATCH',
  /** PCR0..2 are zero: the enclave runs in debug mode and its memory is readable by the parent. */
  'ATTESTATION_DEBUG_ENCLAVE',
  'ATTESTATION_NONCE_MISMATCH',
  'ATTESTATION_USER_DATA_MISMATCH',
  'ATTESTATION_PUBLIC_KEY_MISMATCH',
  /** The document is older than the policy's maximum age at the verification time. */
  'ATTESTATION_STALE',
  /** The document's timestamp lies after the verification time (clock skew or a forged time). */
  'ATTESTATION_FROM_FUTURE',
  /** The policy itself is unusable (bad hex, unknown PCR index, bad time): a caller error, not a verdict. */
  'ATTESTATION_POLICY_INVALID',
] as const;

export type AttestationErrorCode = (typeof ATTESTATION_ERROR_CODES)[number];

export class AttestationError extends NitroMpcError<AttestationErrorCode> {}

export function isAttestationError(value: unknown): value is AttestationError {
  return value instanceof AttestationError;
}
