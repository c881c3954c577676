export {
  type KmsInput,
  kmsInputSchema,
  MAX_KMS_INPUT_BYTES,
  openKmsInput,
  type SealKmsInputParams,
  sealKmsInput,
  verifyKmsInput,
} from './kms-input.js';
