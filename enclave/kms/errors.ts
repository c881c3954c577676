import { NitroMpcError } from '../../common/errors.js';

/** Why a call to KMS from the enclave failed. The code says what to do; the message says which call. */
export const KMS_CLIENT_ERROR_CODES = [
  /** The key policy refused the call (e.g. the attestation document's PCRs do not satisfy its conditions). */
  'KMS_ACCESS_DENIED',
  /** KMS could not be reached or failed on its side (network, 5xx, throttling): retrying later may help. */
  'KMS_UNAVAILABLE',
  /** KMS does not accept the credentials (unknown access key, bad signature, expired token). */
  'KMS_CREDENTIALS_REJECTED',
  /** The key, alias or key id does not exist (or is not in this account and region). */
  'KMS_NOT_FOUND',
  /** The ciphertext blob is not one KMS made, or its encryption context differs from the one it was made with. */
  'KMS_INVALID_CIPHERTEXT',
  /** The key exists but cannot be used now: disabled or pending deletion. */
  'KMS_KEY_UNUSABLE',
  /** KMS refused the request for another reason (validation, wrong key for the ciphertext, ...). */
  'KMS_REQUEST_REJECTED',
  /** KMS answered, but not as a Recipient request must be answered (e.g. plaintext instead of an envelope). */
  'KMS_RESPONSE_INVALID',
  /** The injected `attest` function failed to produce an attestation document. */
  'KMS_ATTESTATION_FAILED',
  /** The client was configured with values it cannot use (e.g. a retry policy out of range). */
  'KMS_OPTIONS_INVALID',
] as const;

export type KmsClientErrorCode = (typeof KMS_CLIENT_ERROR_CODES)[number];

export class KmsClientError extends NitroMpcError<KmsClientErrorCode> {}

/** Why a `CiphertextForRecipient` (CMS EnvelopedData) could not be opened. */
export const CMS_ERROR_CODES = [
  /** Not BER/ASN.1 in the shape of CMS EnvelopedData (framing, structure, field sizes). */
  'CMS_MALFORMED',
  /** Well-formed CMS, but not what KMS sends: another version, recipient kind or algorithm. */
  'CMS_UNSUPPORTED',
  /** The envelope is addressed to another key than this enclave's. */
  'CMS_RECIPIENT_MISMATCH',
  /** The key or content does not decrypt (wrong private key, tampered bytes, bad padding). */
  'CMS_DECRYPT_FAILED',
] as const;

export type CmsErrorCode = (typeof CMS_ERROR_CODES)[number];

export class CmsError extends NitroMpcError<CmsErrorCode> {}
