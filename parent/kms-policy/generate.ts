import { KmsPolicyError } from './errors.js';

export interface EnclaveKeyPolicyOptions {
  /** The image's PCR0 (SHA-384, hex), from `dist/measurements.json` or `nitro-mpc measure`. */
  readonly pcr0: string;
  /** The signing certificate's PCR8, to also pin who signed the image. */
  readonly pcr8?: string | undefined;
  /** The role the enclave's KMS requests are signed with (on EC2: the parent instance's role). */
  readonly enclaveRoleArn: string;
  /** Who may manage the key (never use it). Without one, nobody can change the policy: create the key with
   * BypassPolicyLockoutSafetyCheck. */
  readonly adminArn?: string | undefined;
}

export interface KeyPolicyStatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal: '*' | { readonly AWS: string };
  readonly Action: readonly string[];
  readonly Resource: '*';
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface KeyPolicyJson {
  readonly Version: '2012-10-17';
  readonly Id: string;
  readonly Statement: readonly KeyPolicyStatementJson[];
}

/** Actions that use the key's secret; each needs the agreed image, attested through `Recipient`. */
export const KEY_USE_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;
/** Every action that can reveal plaintext or key material, denied to all but the agreed image. */
const PLAINTEXT_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];
/** Key management without any use of the key, and without CreateGrant (a grant could hand out Decrypt). */
export const ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:PutKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:UpdateKeyDescription',
  'kms:ListResourceTags',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
] as const;

const PCR_RE = /^(?:0x)?([0-9a-fA-F]{96})$/;
const PRINCIPAL_ARN_RE = /^arn:aws[a-z-]*:(?:iam|sts)::\d{12}:[\w+=,.@/-]+$/;

export function normalizePcr(name: string, value: string): string {
  const hex = PCR_RE.exec(value.trim())?.[1]?.toLowerCase();
  if (hex === undefined) {
    throw new KmsPolicyError('KMS_POLICY_PCR_INVALID', `${name}: expected 96 hex digits (a SHA-384 value)`);
  }
  if (/^0+$/.test(hex)) {
    throw new KmsPolicyError(
      'KMS_POLICY_DEBUG_PCR',
      `${name} is all zeros, which every debug-mode enclave reports: a policy on it would unlock the key for any ` +
        'debug enclave; use the PCRs of the production image (dist/measurements.json)',
    );
  }
  return hex;
}

function principalArn(name: string, value: string): string {
  if (!PRINCIPAL_ARN_RE.test(value)) {
    throw new KmsPolicyError(
      'KMS_POLICY_ARN_INVALID',
      `${name} ${value}: expected an IAM principal ARN such as arn:aws:iam::111122223333:role/enclave-parent`,
    );
  }
  return value;
}

/**
 * The key policy that lets only the agreed enclave image use the key: the enclave role may Decrypt and
 * GenerateDataKey only with a Recipient attestation document whose PCR0 (and PCR8) match, and explicit Deny
 * statements refuse every plaintext-revealing action to everyone else, including requests without Recipient
 * (their PCR condition keys are absent, so `StringNotEqualsIgnoreCase` holds). The admin manages but never uses it.
 */
export function enclaveKeyPolicy(options: EnclaveKeyPolicyOptions): KeyPolicyJson {
  const pcr0 = normalizePcr('PCR0', options.pcr0);
  const pcr8 = options.pcr8 === undefined ? undefined : normalizePcr('PCR8', options.pcr8);
  const enclaveRole = principalArn('--enclave-role', options.enclaveRoleArn);
  const admin = options.adminArn === undefined ? undefined : principalArn('--admin', options.adminArn);
  const pcrs: Record<string, string> = { 'kms:RecipientAttestation:PCR0': pcr0 };
  if (pcr8 !== undefined) pcrs['kms:RecipientAttestation:PCR8'] = pcr8;
  const denyUnless = (pcr: 'PCR0' | 'PCR8', value: string): KeyPolicyStatementJson => ({
    Sid: `DenyPlaintextUnlessAttested${pcr}`,
    Effect: 'Deny',
    Principal: '*',
    Action: PLAINTEXT_ACTIONS,
    Resource: '*',
    Condition: { StringNotEqualsIgnoreCase: { [`kms:RecipientAttestation:${pcr}`]: value } },
  });
  return {
    Version: '2012-10-17',
    Id: 'nitro-mpc-enclave-key',
    Statement: [
      ...(admin === undefined
        ? []
        : [
            {
              Sid: 'AdminManagesButNeverUsesTheKey',
              Effect: 'Allow' as const,
              Principal: { AWS: admin },
              Action: ADMIN_ACTIONS,
              Resource: '*' as const,
            },
          ]),
      {
        Sid: 'EnclaveImageUsesTheKeyThroughRecipient',
        Effect: 'Allow',
        Principal: { AWS: enclaveRole },
        Action: KEY_USE_ACTIONS,
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: pcrs },
      },
      denyUnless('PCR0', pcr0),
      ...(pcr8 === undefined ? [] : [denyUnless('PCR8', pcr8)]),
    ],
  };
}
