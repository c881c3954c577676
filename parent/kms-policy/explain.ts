import {
  type AuthorizationRequest,
  type Condition,
  type ConditionContext,
  conditionHolds,
  evaluateKeyPolicy,
  type KeyPolicy,
  KmsServiceError,
  type PolicyDecision,
  type PolicyStatement,
  parseKeyPolicy,
} from '../../simulator/kms/index.js';
import { KmsPolicyError } from './errors.js';

/**
 * Why a key policy would allow or deny a request: the simulator's own evaluator (the one its KMS enforces) is run
 * statement by statement and condition by condition, so this explanation cannot disagree with the verdict.
 */

export interface ConditionVerdict {
  readonly operator: string;
  /** As AWS spells it, e.g. `kms:RecipientAttestation:PCR0`. */
  readonly key: string;
  /** The PCR the key names, when it names one (ImageSha384 is PCR0). */
  readonly pcr?: number;
  readonly expected: readonly string[];
  /** The request's values; empty when the request lacks the key (e.g. no Recipient document). */
  readonly actual: readonly string[];
  readonly holds: boolean;
}

export interface StatementVerdict {
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** 'unchecked' when no principal or key ARN was given to check against. */
  readonly principalMatches: boolean | 'unchecked';
  readonly actionMatches: boolean;
  readonly resourceMatches: boolean | 'unchecked';
  readonly conditions: readonly ConditionVerdict[];
  readonly applies: boolean;
}

export interface PolicyExplanation {
  readonly action: string;
  readonly decision: PolicyDecision;
  readonly statements: readonly StatementVerdict[];
  /** One sentence per statement that decides the outcome. */
  readonly reasons: readonly string[];
}

export interface ExplainOptions {
  /** Default `kms:Decrypt`. */
  readonly action?: string;
  /** The caller (e.g. the enclave role); principals are not checked without it. */
  readonly principalArn?: string;
  /** The key ARN; resources are not checked without it. */
  readonly keyArn?: string;
}

function operatorName(condition: Condition): string {
  const { qualifier, base, ifExists } = condition.operator;
  return `${qualifier ? `${qualifier}:` : ''}${base}${ifExists ? 'IfExists' : ''}`;
}

/** Policy keys are compared lower-cased; report them as AWS documents them. */
function displayKey(key: string): { key: string; pcr?: number } {
  const pcr = /^kms:recipientattestation:pcr(\d+)$/.exec(key)?.[1];
  if (pcr !== undefined) return { key: `kms:RecipientAttestation:PCR${pcr}`, pcr: Number(pcr) };
  if (key === 'kms:recipientattestation:imagesha384')
    return { key: 'kms:RecipientAttestation:ImageSha384', pcr: 0 };
  return { key };
}

function applies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  return evaluateKeyPolicy({ statements: [statement] }, request) !== 'implicit-deny';
}

const ANY_ACTION = { negated: false, patterns: ['*'] };

function describeCondition(c: ConditionVerdict): string {
  const actual = c.actual.length === 0 ? 'absent (no Recipient attestation document?)' : c.actual.join(', ');
  return `${c.operator} ${c.key}: expected ${c.expected.join(' or ')}, actual ${actual}`;
}

function reasonFor(verdict: StatementVerdict, decision: PolicyDecision, action: string): string | undefined {
  const name = `statement ${verdict.index}${verdict.sid ? ` "${verdict.sid}"` : ''}`;
  if (decision === 'explicit-deny' && verdict.effect === 'Deny' && verdict.applies) {
    const held = verdict.conditions.filter((c) => c.holds).map(describeCondition);
    return `${name} denies ${action}${held.length ? `: ${held.join('; ')}` : ''}`;
  }
  const reachable =
    verdict.effect === 'Allow' &&
    verdict.actionMatches &&
    verdict.principalMatches !== false &&
    verdict.resourceMatches !== false;
  if (decision === 'implicit-deny' && reachable && !verdict.applies) {
    const failed = verdict.conditions.filter((c) => !c.holds).map(describeCondition);
    return `${name} would allow ${action} but its conditions fail: ${failed.join('; ')}`;
  }
  if (decision === 'allow' && verdict.effect === 'Allow' && verdict.applies)
    return `${name} allows ${action}`;
  return undefined;
}

export function readKeyPolicy(text: string): KeyPolicy {
  try {
    return parseKeyPolicy(text);
  } catch (cause) {
    if (!(cause instanceof KmsServiceError)) throw cause;
    throw new KmsPolicyError('KMS_POLICY_UNREADABLE', `the key policy cannot be read: ${cause.message}`, {
      cause,
    });
  }
}

/** Explains the decision on `action` for a request with `context` (e.g. from `recipientConditionContext`). */
export function explainKeyPolicy(
  policy: KeyPolicy,
  context: ConditionContext,
  options: ExplainOptions = {},
): PolicyExplanation {
  const action = options.action ?? 'kms:Decrypt';
  const principalArn = options.principalArn;
  const request: AuthorizationRequest = {
    principalArns: principalArn === undefined ? [] : [principalArn],
    accountId: /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principalArn ?? '')?.[1] ?? '',
    action,
    resource: options.keyArn ?? '*',
    context,
  };
  // Elements the caller gave nothing to check against are treated as matching.
  const checked = policy.statements.map((s) => ({
    ...s,
    principals: principalArn === undefined ? ('*' as const) : s.principals,
    resources: options.keyArn === undefined ? ['*'] : s.resources,
  }));
  const decision = evaluateKeyPolicy({ statements: checked }, request);
  const statements = checked.map((s, index): StatementVerdict => {
    const bare = { ...s, conditions: [] };
    return {
      index,
      sid: s.sid,
      effect: s.effect,
      principalMatches:
        principalArn === undefined
          ? 'unchecked'
          : applies({ ...bare, actions: ANY_ACTION, resources: ['*'] }, request),
      actionMatches: applies({ ...bare, principals: '*', resources: ['*'] }, request),
      resourceMatches:
        options.keyArn === undefined
          ? 'unchecked'
          : applies({ ...bare, principals: '*', actions: ANY_ACTION }, request),
      conditions: s.conditions.map((c) => ({
        operator: operatorName(c),
        ...displayKey(c.key),
        expected: c.values,
        actual: context.get(c.key) ?? [],
        holds: conditionHolds(c, context),
      })),
      applies: applies(s, request),
    };
  });
  const reasons = statements.flatMap((v) => reasonFor(v, decision, action) ?? []);
  if (decision === 'implicit-deny' && reasons.length === 0) {
    reasons.push(`no Allow statement grants ${action}${principalArn ? ` to ${principalArn}` : ''}`);
  }
  return { action, decision, statements, reasons };
}
