/**
 * The enclave's KMS client: Decrypt / GenerateDataKey / GenerateRandom with the `Recipient` parameter, and the
 * CMS decryptor that opens KMS's `CiphertextForRecipient` with the enclave's ephemeral RSA key.
 */
export {
  type AttestFunction,
  type DataKey,
  type DecryptRequest,
  EnclaveKmsClient,
  type EnclaveKmsClientOptions,
  type EncryptionContext,
  type GenerateDataKeyRequest,
  type KmsConnection,
} from './client.js';
export * from './cms/index.js';
export { egressHttpsAgent } from './egress-agent.js';
export {
  CMS_ERROR_CODES,
  CmsError,
  type CmsErrorCode,
  KMS_CLIENT_ERROR_CODES,
  KmsClientError,
  type KmsClientErrorCode,
} from './errors.js';
export { kmsClientErrorFrom } from './kms-errors.js';
export { RECIPIENT_KEY_BITS, RecipientKeyPair } from './recipient-key-pair.js';
export {
  DEFAULT_KMS_RETRY_POLICY,
  type KmsRetryEvent,
  type KmsRetryPolicy,
  retryableReason,
} from './retry.js';
