import { type ConditionContext, conditionHolds } from './conditions.js';
import { globMatches } from './glob.js';
import type { KeyPolicy, PolicyStatement } from './key-policy.js';

/** What the policy is asked: may this caller do this action on this key, in this request context? */
export interface AuthorizationRequest {
  /** Every ARN that names the caller (the role and its assumed-role session). */
  readonly principalArns: readonly string[];
  readonly accountId: string;
  /** e.g. `kms:Decrypt`. */
  readonly action: string;
  /** The key ARN. */
  readonly resource: string;
  readonly context: ConditionContext;
}

export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

function principalMatches(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  if (statement.principals === '*') return true;
  // The account principal delegates to IAM; the simulated IAM grants its one identity everything.
  const account = [request.accountId, `arn:aws:iam::${request.accountId}:root`];
  return statement.principals.some((p) => request.principalArns.includes(p) || account.includes(p));
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  const matched = statement.actions.patterns.some((pattern) =>
    globMatches(pattern, action, { ignoreCase: true }),
  );
  return matched !== statement.actions.negated;
}

function statementApplies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  return (
    principalMatches(statement, request) &&
    actionMatches(statement, request.action) &&
    statement.resources.some((pattern) => globMatches(pattern, request.resource, { ignoreCase: false })) &&
    statement.conditions.every((condition) => conditionHolds(condition, request.context))
  );
}

/** IAM's evaluation logic for one resource policy: an explicit Deny wins, then any Allow, else deny. */
export function evaluateKeyPolicy(policy: KeyPolicy, request: AuthorizationRequest): PolicyDecision {
  const applicable = policy.statements.filter((s) => statementApplies(s, request));
  if (applicable.some((s) => s.effect === 'Deny')) return 'explicit-deny';
  return applicable.some((s) => s.effect === 'Allow') ? 'allow' : 'implicit-deny';
}
