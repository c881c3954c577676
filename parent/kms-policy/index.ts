/** KMS key policies for an enclave image: generate the policy parties can check, and explain a denial. */
export { KMS_POLICY_ERROR_CODES, KmsPolicyError, type KmsPolicyErrorCode } from './errors.js';
export {
  type ConditionVerdict,
  type ExplainOptions,
  explainKeyPolicy,
  type PolicyExplanation,
  readKeyPolicy,
  type StatementVerdict,
} from './explain.js';
export {
  ADMIN_ACTIONS,
  type EnclaveKeyPolicyOptions,
  enclaveKeyPolicy,
  KEY_USE_ACTIONS,
  type KeyPolicyJson,
  type KeyPolicyStatementJson,
  normalizePcr,
} from './generate.js';
export { type RecipientContext, recipientConditionContext } from './recipient-context.js';
