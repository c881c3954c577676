export {
  BASE_OPERATORS,
  type Condition,
  type ConditionContext,
  type ConditionOperator,
  conditionHolds,
  parseConditionOperator,
} from './conditions.js';
export { defaultKeyPolicy } from './default-policy.js';
export { type AuthorizationRequest, evaluateKeyPolicy, type PolicyDecision } from './evaluate.js';
export { globMatches } from './glob.js';
export { type KeyPolicy, MAX_KEY_POLICY_BYTES, type PolicyStatement, parseKeyPolicy } from './key-policy.js';
