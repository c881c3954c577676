import { NitroMpcError } from '../../common/errors.js';

export const EIF_ERROR_CODES = [
  /** Not an EIF at all: the first four bytes are not `.eif`. */
  'EIF_BAD_MAGIC',
  /** The file ends inside the header, a section header or a section's data. */
  'EIF_TRUNCATED',
  /** The structure contradicts itself (section table vs sections, sizes, counts, trailing bytes). */
  'EIF_MALFORMED',
  /** A section header names a type the format does not define (0 or above 5). */
  'EIF_UNKNOWN_SECTION',
  /** The header's CRC-32 does not match the file's bytes: corrupted or edited after the build. */
  'EIF_CRC_MISMATCH',
  /** The metadata section is not the JSON nitro-cli writes. */
  'EIF_METADATA_INVALID',
  /** The signature section cannot be decoded (CBOR, PEM certificate or COSE_Sign1). */
  'EIF_SIGNATURE_MALFORMED',
  /** The COSE signature does not verify with the signing certificate's key. */
  'EIF_SIGNATURE_INVALID',
  /** The signature verifies but signs another PCR0 than the image measures. */
  'EIF_SIGNATURE_MISMATCH',
  /** The signing certificate's notAfter has passed: `nitro-cli run-enclave` refuses the image. */
  'EIF_CERT_EXPIRED',
  /** The signing certificate's notBefore is in the future: `nitro-cli run-enclave` refuses the image. */
  'EIF_CERT_NOT_YET_VALID',
] as const;
export type EifErrorCode = (typeof EIF_ERROR_CODES)[number];

/** Something wrong with an enclave image file; `details` says where (offset, section index, ...). */
export class EifError extends NitroMpcError<EifErrorCode> {}
