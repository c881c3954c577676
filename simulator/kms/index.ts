/**
 * nitro-mpc simulated KMS: AWS KMS's JSON 1.1 API for the real `@aws-sdk/client-kms`, with SigV4, key policies
 * (including `kms:RecipientAttestation:*` conditions) and Recipient `CiphertextForRecipient` envelopes.
 */
export type { EncryptionContext } from './encryption-context.js';
export {
  authError,
  KMS_SIMULATOR_ERROR_CODES,
  KmsServiceError,
  KmsSimulatorError,
  type KmsSimulatorErrorCode,
  kmsError,
} from './errors.js';
export { type KmsFault, KmsFaultInjector } from './faults.js';
export { aliasArn, type KeyReference, type KmsScope, keyArn, parseKeyReference } from './key-ids.js';
export { KMS_OPERATIONS } from './operations/index.js';
export * from './policy/index.js';
export * from './recipient/index.js';
export { MAX_CLOCK_SKEW_MS, type SignedRequest, SigV4Verifier, type SigV4VerifierOptions } from './sigv4.js';
export { type KmsSimulatorOptions, type RunningKmsSimulator, startKmsSimulator } from './simulator.js';
