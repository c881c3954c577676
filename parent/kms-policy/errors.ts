import { NitroMpcError } from '../../common/errors.js';

export const KMS_POLICY_ERROR_CODES = [
  /** A PCR value is not 48 bytes of hex. */
  'KMS_POLICY_PCR_INVALID',
  /** PCR0 is all zeros: that is what every debug-mode enclave reports, so it must never unlock a key. */
  'KMS_POLICY_DEBUG_PCR',
  /** An ARN is not an IAM/STS principal ARN. */
  'KMS_POLICY_ARN_INVALID',
  /** The key policy file is not a policy the evaluator can read. */
  'KMS_POLICY_UNREADABLE',
  /** KMS would refuse the attestation document itself (bad chain or signature, no RSA public key). */
  'KMS_POLICY_ATTESTATION_REJECTED',
] as const;
export type KmsPolicyErrorCode = (typeof KMS_POLICY_ERROR_CODES)[number];

export class KmsPolicyError extends NitroMpcError<KmsPolicyErrorCode> {}
