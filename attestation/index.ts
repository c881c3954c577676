/**
 * nitro-mpc/attestation: parse and verify AWS Nitro Enclaves attestation documents. Usable on its own by any
 * party that needs to know what code an enclave runs.
 */

export { NitroMpcError } from '../common/errors.js';
export { AWS_NITRO_ROOT_G1_DER, AWS_NITRO_ROOT_G1_PEM, AWS_NITRO_ROOT_G1_SHA256 } from './aws-nitro-root.js';
export * from './cose/index.js';
export {
  type DecodedAttestationDocument,
  decodeAttestationDocument,
  MAX_DOCUMENT_BYTES,
} from './document/decode.js';
export { type EncodePayloadOptions, encodeAttestationPayload } from './document/encode.js';
export { NSM_LIMITS } from './document/nsm-payload.js';
export type { AttestationDocument } from './document/types.js';
export {
  ATTESTATION_ERROR_CODES,
  AttestationError,
  type AttestationErrorCode,
  isAttestationError,
} from './errors.js';
export {
  type AttestationPolicy,
  type CompiledPolicy,
  checkPolicy,
  compilePolicy,
  DEFAULT_CLOCK_TOLERANCE_MS,
} from './policy.js';
export {
  type CertificateSummary,
  summarizeCertificate,
  type VerifiedAttestationDocument,
  verifyAttestationDocument,
  verifyAttestationDocumentSync,
} from './verify-document.js';
export {
  type Cert,
  CertificateParseError,
  certToDer,
  derToPem,
  KEY_USAGE,
  type ParsedCertificate,
  parseCertificate,
  pemToDerList,
} from './x509/certificate.js';
export {
  CertificateCache,
  type CertificateCacheOptions,
  defaultCertificateCache,
} from './x509/certificate-cache.js';
export {
  type ValidateCertificateChainOptions,
  type ValidatedChain,
  validateCertificateChain,
  validateCertificateChainSync,
} from './x509/chain.js';
