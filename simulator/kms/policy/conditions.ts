import { globMatches } from './glob.js';

/**
 * IAM condition operators, as far as a Nitro deployment's key policies use them (IAM User Guide, "Condition
 * operators" and "Multivalued context keys"). A key absent from the request fails positive operators and
 * satisfies negated ones; `...IfExists` makes an absent key pass; `ForAllValues` passes on an absent key,
 * `ForAnyValue` fails.
 */

export const BASE_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'Bool',
  'Null',
] as const;

export type BaseOperator = (typeof BASE_OPERATORS)[number];

export interface ConditionOperator {
  readonly base: BaseOperator;
  readonly qualifier: 'ForAnyValue' | 'ForAllValues' | undefined;
  readonly ifExists: boolean;
}

export interface Condition {
  readonly operator: ConditionOperator;
  /** The condition key, lower-cased: IAM compares key names without regard to case. */
  readonly key: string;
  readonly values: readonly string[];
}

/** Request values by lower-cased condition key; most keys have one value, `kms:EncryptionContextKeys` several. */
export type ConditionContext = ReadonlyMap<string, readonly string[]>;

const OPERATOR_RE = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/;

/** Parses an operator name such as `ForAnyValue:StringLikeIfExists`; undefined when it is not supported. */
export function parseConditionOperator(name: string): ConditionOperator | undefined {
  const match = OPERATOR_RE.exec(name);
  const base = BASE_OPERATORS.find((op) => op === match?.[2]);
  if (!match || !base) return undefined;
  const ifExists = match[3] !== undefined;
  if (base === 'Null' && (ifExists || match[1] !== undefined)) return undefined;
  return {
    base,
    qualifier: match[1] === 'ForAnyValue' || match[1] === 'ForAllValues' ? match[1] : undefined,
    ifExists,
  };
}

function isNegated(base: BaseOperator): boolean {
  return base === 'StringNotEquals' || base === 'StringNotEqualsIgnoreCase' || base === 'StringNotLike';
}

/** The positive form of the operator applied to one request value. */
function matchesOne(base: BaseOperator, value: string, allowed: readonly string[]): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return allowed.includes(value);
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
    case 'Bool':
      return allowed.some((a) => a.toLowerCase() === value.toLowerCase());
    case 'StringLike':
    case 'StringNotLike':
      return allowed.some((pattern) => globMatches(pattern, value, { ignoreCase: false }));
    case 'Null':
      return false;
  }
}

export function conditionHolds(condition: Condition, context: ConditionContext): boolean {
  const { base, qualifier, ifExists } = condition.operator;
  const values = context.get(condition.key) ?? [];
  if (base === 'Null') {
    const absent = values.length === 0;
    return condition.values.some((v) => (v.toLowerCase() === 'true' ? absent : !absent));
  }
  const negated = isNegated(base);
  if (values.length === 0) {
    if (qualifier === 'ForAllValues') return true;
    if (qualifier === 'ForAnyValue') return false;
    return ifExists || negated;
  }
  const holdsFor = (value: string): boolean => matchesOne(base, value, condition.values) !== negated;
  if (qualifier === 'ForAllValues') return values.every(holdsFor);
  if (qualifier === 'ForAnyValue') return values.some(holdsFor);
  return negated ? values.every(holdsFor) : values.some(holdsFor);
}
