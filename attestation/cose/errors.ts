import { NitroMpcError } from '../../common/errors.js';

export const COSE_ERROR_CODES = [
  /** Not a COSE_Sign1 structure (RFC 9052 §4.2), or its headers are malformed. */
  'COSE_MALFORMED',
  /** The algorithm is missing, not one of ES256/ES384/ES512, or not one the caller allows. */
  'COSE_ALGORITHM_UNSUPPORTED',
  /** The key cannot verify this algorithm (not an EC public key, or on another curve). */
  'COSE_KEY_INVALID',
  /** The signature does not verify. */
  'COSE_BAD_SIGNATURE',
] as const;

export type CoseErrorCode = (typeof COSE_ERROR_CODES)[number];

export class CoseError extends NitroMpcError<CoseErrorCode> {}
