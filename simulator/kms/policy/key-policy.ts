import { z } from 'zod';
import { kmsError } from '../errors.js';
import { type Condition, parseConditionOperator } from './conditions.js';

/**
 * A key policy (IAM JSON policy grammar), parsed into the parts the simulator evaluates. Elements it cannot
 * evaluate faithfully (NotPrincipal, NotResource, unknown condition operators) are refused when the policy is
 * set, rather than evaluated wrongly later.
 */

export interface PolicyStatement {
  readonly sid: string | undefined;
  readonly effect: 'Allow' | 'Deny';
  /** `'*'` for anyone; otherwise principal strings (AWS principals as written, others prefixed by their kind). */
  readonly principals: '*' | readonly string[];
  readonly actions: { readonly negated: boolean; readonly patterns: readonly string[] };
  readonly resources: readonly string[];
  readonly conditions: readonly Condition[];
}

export interface KeyPolicy {
  readonly statements: readonly PolicyStatement[];
}

/** KMS's limit on a key policy document (KMS Developer Guide, "Quotas"). */
export const MAX_KEY_POLICY_BYTES = 32_768;

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const conditionValue = z.union([z.string(), z.number(), z.boolean()]);

const statementSchema = z
  .strictObject({
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Principal: z.union([z.literal('*'), z.record(z.string(), oneOrMany)]),
    Action: oneOrMany.optional(),
    NotAction: oneOrMany.optional(),
    Resource: oneOrMany,
    Condition: z
      .record(z.string(), z.record(z.string(), z.union([conditionValue, z.array(conditionValue).min(1)])))
      .optional(),
  })
  .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), {
    message: 'a statement needs exactly one of Action and NotAction',
  });

const policySchema = z.strictObject({
  Version: z.enum(['2012-10-17', '2008-10-17']).optional(),
  Id: z.string().optional(),
  Statement: z.union([statementSchema, z.array(statementSchema).min(1)]),
});

type StatementInput = z.infer<typeof statementSchema>;

const list = (value: string | readonly string[]): readonly string[] =>
  typeof value === 'string' ? [value] : value;

function principalsOf(principal: StatementInput['Principal']): '*' | readonly string[] {
  if (principal === '*') return '*';
  const principals: string[] = [];
  for (const [kind, values] of Object.entries(principal)) {
    for (const value of list(values)) {
      if (kind === 'AWS' && value === '*') return '*';
      principals.push(kind === 'AWS' ? value : `${kind}:${value}`);
    }
  }
  return principals;
}

function conditionsOf(input: StatementInput['Condition']): Condition[] {
  const conditions: Condition[] = [];
  for (const [operatorName, keys] of Object.entries(input ?? {})) {
    const operator = parseConditionOperator(operatorName);
    if (!operator) {
      throw kmsError.malformedPolicy(
        `Policy contains the condition operator ${operatorName}, which the KMS simulator does not evaluate ` +
          '(supported: String[Not]Equals[IgnoreCase], String[Not]Like, Bool, Null, ForAnyValue:/ForAllValues:, ...IfExists).',
      );
    }
    for (const [key, value] of Object.entries(keys)) {
      const values = (Array.isArray(value) ? value : [value]).map(String);
      conditions.push({ operator, key: key.toLowerCase(), values });
    }
  }
  return conditions;
}

/** Parses key policy text; throws MalformedPolicyDocumentException or LimitExceededException. */
export function parseKeyPolicy(text: string): KeyPolicy {
  if (Buffer.byteLength(text, 'utf8') > MAX_KEY_POLICY_BYTES) {
    throw kmsError.limitExceeded(`Key policy is longer than ${MAX_KEY_POLICY_BYTES} bytes.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw kmsError.malformedPolicy('The key policy is not valid JSON.');
  }
  const parsed = policySchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.join('.') || 'policy';
    throw kmsError.malformedPolicy(
      `Policy contains a statement the KMS simulator cannot read: ${where}: ${first?.message}`,
    );
  }
  const statements = Array.isArray(parsed.data.Statement) ? parsed.data.Statement : [parsed.data.Statement];
  return {
    statements: statements.map((s) => ({
      sid: s.Sid,
      effect: s.Effect,
      principals: principalsOf(s.Principal),
      actions:
        s.Action === undefined
          ? { negated: true, patterns: list(s.NotAction ?? []) }
          : { negated: false, patterns: list(s.Action) },
      resources: list(s.Resource),
      conditions: conditionsOf(s.Condition),
    })),
  };
}
