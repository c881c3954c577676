export { openResult, type ResultBinding, sealResult } from './result-sealing.js';
export {
  DESTRUCTION_METHODS,
  type DestructionCertificate,
  type DestructionCertificateBody,
  destructionCertificateBodySchema,
  destructionCertificateSchema,
  type InputCommitment,
  inputCommitmentSchema,
  MAX_ATTESTATION_BYTES,
  MAX_RESULT_BYTES,
  type Receipt,
  type ResultPayload,
  type ResultReceipt,
  type ResultReceiptBody,
  resultPayloadSchema,
  resultReceiptBodySchema,
  resultReceiptSchema,
} from './schema.js';
export {
  decodeReceipt,
  encodeReceipt,
  parseReceipt,
  signDestructionCertificate,
  signResultReceipt,
} from './sign.js';
export {
  type DestructionCertificateSummary,
  type InputCommitmentSummary,
  type ReceiptSummary,
  type ReceiptVerificationPolicy,
  type ResultReceiptSummary,
  verifyReceipt,
} from './verify.js';
