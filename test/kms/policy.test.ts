import { describe, expect, it } from 'vitest';
import { KmsServiceError } from '../../simulator/kms/errors.js';
import {
  type AuthorizationRequest,
  type ConditionContext,
  conditionHolds,
  evaluateKeyPolicy,
  parseConditionOperator,
  parseKeyPolicy,
} from '../../simulator/kms/policy/index.js';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/enclave`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/enclave/i-0123`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PCR0 = 'ab'.repeat(48);

function request(action: string, context: Record<string, string[]> = {}): AuthorizationRequest {
  return {
    principalArns: [ROLE, SESSION],
    accountId: ACCOUNT,
    action,
    resource: KEY,
    context: new Map(Object.entries(context)),
  };
}

function decide(statements: unknown[], action: string, context: Record<string, string[]> = {}) {
  return evaluateKeyPolicy(
    parseKeyPolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements })),
    request(action, context),
  );
}

const allow = (extra: Record<string, unknown> = {}) => ({
  Effect: 'Allow',
  Principal: { AWS: ROLE },
  Action: 'kms:Decrypt',
  Resource: '*',
  ...extra,
});

describe('key policy evaluation', () => {
  it('denies by default and allows what a statement allows', () => {
    expect(decide([allow({ Action: 'kms:Encrypt' })], 'kms:Decrypt')).toBe('implicit-deny');
    expect(decide([allow()], 'kms:Decrypt')).toBe('allow');
    expect(decide([allow()], 'kms:Encrypt')).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over any Allow', () => {
    const statements = [allow({ Action: 'kms:*' }), { ...allow(), Effect: 'Deny' }];
    expect(decide(statements, 'kms:Decrypt')).toBe('explicit-deny');
    expect(decide(statements, 'kms:Encrypt')).toBe('allow');
  });

  it.each([
    ['the role ARN', { AWS: ROLE }, 'allow'],
    ['the assumed-role session ARN', { AWS: SESSION }, 'allow'],
    ['a list holding the role', { AWS: ['arn:aws:iam::999988887777:root', ROLE] }, 'allow'],
    ['the account root (delegation to IAM)', { AWS: `arn:aws:iam::${ACCOUNT}:root` }, 'allow'],
    ['the bare account id', { AWS: ACCOUNT }, 'allow'],
    ['anyone', '*', 'allow'],
    ['anyone in AWS', { AWS: '*' }, 'allow'],
    ['another role', { AWS: `arn:aws:iam::${ACCOUNT}:role/parent` }, 'implicit-deny'],
    ['another account', { AWS: 'arn:aws:iam::999988887777:root' }, 'implicit-deny'],
    ['a service principal', { Service: 'ec2.amazonaws.com' }, 'implicit-deny'],
  ])('matches the principal %s', (_what, principal, decision) => {
    expect(decide([allow({ Principal: principal })], 'kms:Decrypt')).toBe(decision);
  });

  it('matches actions with wildcards, without regard to case, and NotAction', () => {
    expect(decide([allow({ Action: 'kms:*' })], 'kms:GenerateDataKey')).toBe('allow');
    expect(decide([allow({ Action: 'kms:Generate*' })], 'kms:GenerateDataKey')).toBe('allow');
    expect(decide([allow({ Action: 'KMS:decrypt' })], 'kms:Decrypt')).toBe('allow');
    expect(decide([allow({ Action: ['kms:Encrypt', 'kms:Decrypt'] })], 'kms:Decrypt')).toBe('allow');
    expect(decide([allow({ Action: 'kms:Gen?rate*' })], 'kms:Decrypt')).toBe('implicit-deny');
    const notDecrypt = { ...allow(), Action: undefined, NotAction: 'kms:Decrypt' };
    expect(decide([notDecrypt], 'kms:Encrypt')).toBe('allow');
    expect(decide([notDecrypt], 'kms:Decrypt')).toBe('implicit-deny');
  });

  it('matches the resource: *, the key ARN or a pattern', () => {
    expect(decide([allow({ Resource: KEY })], 'kms:Decrypt')).toBe('allow');
    expect(decide([allow({ Resource: 'arn:aws:kms:us-east-1:*:key/*' })], 'kms:Decrypt')).toBe('allow');
    expect(decide([allow({ Resource: 'arn:aws:kms:eu-west-1:*:key/*' })], 'kms:Decrypt')).toBe(
      'implicit-deny',
    );
  });

  it('allows an enclave with the right PCR0 only (ImageSha384 and PCR0 are the same measurement)', () => {
    const image = allow({
      Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:ImageSha384': PCR0.toUpperCase() } },
    });
    const pcr = allow({ Condition: { StringEquals: { 'kms:RecipientAttestation:PCR0': PCR0 } } });
    const attested = {
      'kms:recipientattestation:imagesha384': [PCR0],
      'kms:recipientattestation:pcr0': [PCR0],
    };
    const other = {
      'kms:recipientattestation:imagesha384': ['cd'.repeat(48)],
      'kms:recipientattestation:pcr0': ['cd'.repeat(48)],
    };
    for (const statement of [image, pcr]) {
      expect(decide([statement], 'kms:Decrypt', attested)).toBe('allow');
      expect(decide([statement], 'kms:Decrypt', other)).toBe('implicit-deny');
      // No attestation document: the condition key is absent and StringEquals fails, as in IAM.
      expect(decide([statement], 'kms:Decrypt')).toBe('implicit-deny');
    }
  });

  it('reads several condition keys as AND and several values as OR', () => {
    const statement = allow({
      Condition: {
        StringEquals: {
          'kms:RecipientAttestation:PCR0': ['00', PCR0],
          'kms:EncryptionContext:purpose': 'mpc',
        },
      },
    });
    const context = { 'kms:recipientattestation:pcr0': [PCR0], 'kms:encryptioncontext:purpose': ['mpc'] };
    expect(decide([statement], 'kms:Decrypt', context)).toBe('allow');
    expect(
      decide([statement], 'kms:Decrypt', { ...context, 'kms:encryptioncontext:purpose': ['other'] }),
    ).toBe('implicit-deny');
  });

  it('refuses policies it cannot evaluate faithfully, when they are set', () => {
    const malformed = (policy: string) => {
      try {
        parseKeyPolicy(policy);
        return 'parsed';
      } catch (error) {
        return error instanceof KmsServiceError ? error.type : String(error);
      }
    };
    expect(malformed('not json')).toBe('MalformedPolicyDocumentException');
    expect(malformed(JSON.stringify({ Statement: [] }))).toBe('MalformedPolicyDocumentException');
    expect(
      malformed(
        JSON.stringify({ Statement: [allow({ Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } } })] }),
      ),
    ).toBe('MalformedPolicyDocumentException');
    expect(malformed(JSON.stringify({ Statement: [{ ...allow(), NotPrincipal: { AWS: ROLE } }] }))).toBe(
      'MalformedPolicyDocumentException',
    );
    expect(malformed(JSON.stringify({ Statement: [{ ...allow(), Effect: 'Maybe' }] }))).toBe(
      'MalformedPolicyDocumentException',
    );
    expect(malformed(JSON.stringify({ Statement: [allow({ Sid: 'x'.repeat(40_000) })] }))).toBe(
      'LimitExceededException',
    );
    expect(malformed(JSON.stringify({ Statement: allow() }))).toBe('parsed');
  });
});

describe('condition operators', () => {
  const holds = (operator: string, key: string, values: string[], context: Record<string, string[]>) => {
    const parsed = parseConditionOperator(operator);
    if (!parsed) throw new Error(`unsupported operator ${operator}`);
    return conditionHolds(
      { operator: parsed, key, values },
      new Map(Object.entries(context)) as ConditionContext,
    );
  };

  it('compares strings exactly, ignoring case, or by pattern', () => {
    expect(holds('StringEquals', 'k', ['AB'], { k: ['ab'] })).toBe(false);
    expect(holds('StringEqualsIgnoreCase', 'k', ['AB'], { k: ['ab'] })).toBe(true);
    expect(holds('StringLike', 'k', ['a*c', 'x?z'], { k: ['abbbc'] })).toBe(true);
    expect(holds('StringLike', 'k', ['x?z'], { k: ['xyyz'] })).toBe(false);
    expect(holds('StringLike', 'k', ['a.c'], { k: ['abc'] })).toBe(false);
  });

  it('satisfies negated operators when the key is absent and fails positive ones', () => {
    expect(holds('StringNotEquals', 'k', ['a'], {})).toBe(true);
    expect(holds('StringNotEquals', 'k', ['a'], { k: ['a'] })).toBe(false);
    expect(holds('StringNotEquals', 'k', ['a'], { k: ['b'] })).toBe(true);
    expect(holds('StringEquals', 'k', ['a'], {})).toBe(false);
    expect(holds('StringEqualsIfExists', 'k', ['a'], {})).toBe(true);
    expect(holds('StringEqualsIfExists', 'k', ['a'], { k: ['b'] })).toBe(false);
  });

  it('applies ForAnyValue and ForAllValues to multivalued keys', () => {
    const keys = { 'kms:encryptioncontextkeys': ['purpose', 'party'] };
    expect(
      holds('ForAllValues:StringEquals', 'kms:encryptioncontextkeys', ['purpose', 'party', 'x'], keys),
    ).toBe(true);
    expect(holds('ForAllValues:StringEquals', 'kms:encryptioncontextkeys', ['purpose'], keys)).toBe(false);
    expect(holds('ForAllValues:StringEquals', 'kms:encryptioncontextkeys', ['purpose'], {})).toBe(true);
    expect(holds('ForAnyValue:StringEquals', 'kms:encryptioncontextkeys', ['party'], keys)).toBe(true);
    expect(holds('ForAnyValue:StringEquals', 'kms:encryptioncontextkeys', ['party'], {})).toBe(false);
  });

  it('tests presence with Null and booleans with Bool', () => {
    expect(
      holds('Null', 'kms:recipientattestation:pcr0', ['false'], { 'kms:recipientattestation:pcr0': [PCR0] }),
    ).toBe(true);
    expect(holds('Null', 'kms:recipientattestation:pcr0', ['false'], {})).toBe(false);
    expect(holds('Null', 'kms:recipientattestation:pcr0', ['true'], {})).toBe(true);
    expect(holds('Bool', 'k', ['true'], { k: ['TRUE'] })).toBe(true);
  });

  it('knows which operators it supports', () => {
    expect(parseConditionOperator('ForAnyValue:StringLikeIfExists')).toEqual({
      base: 'StringLike',
      qualifier: 'ForAnyValue',
      ifExists: true,
    });
    expect(parseConditionOperator('NumericLessThan')).toBeUndefined();
    expect(parseConditionOperator('NullIfExists')).toBeUndefined();
    expect(parseConditionOperator('ForSomeValues:StringEquals')).toBeUndefined();
  });
});
