import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { kmsError } from '../errors.js';
import { keyArn } from '../key-ids.js';
import type { KmsKey } from '../key-store.js';
import { defaultKeyPolicy, parseKeyPolicy } from '../policy/index.js';
import type { OperationContext } from './context.js';
import { grantTokensField, integer, keyIdField, text } from './fields.js';
import {
  authorize,
  checkPolicyLockout,
  conditionContext,
  epochSeconds,
  requireNotPendingDeletion,
  resolveKey,
} from './key-access.js';
import { defineOperation } from './operation.js';

/** KeyMetadata as DescribeKey and CreateKey return it, for a symmetric encryption key made by KMS. */
export function keyMetadata(ctx: OperationContext, key: KmsKey): Record<string, unknown> {
  return {
    AWSAccountId: ctx.scope.accountId,
    KeyId: key.keyId,
    Arn: keyArn(ctx.scope, key.keyId),
    CreationDate: epochSeconds(key.creationDate),
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.keyState,
    ...(key.deletionDate === undefined ? {} : { DeletionDate: epochSeconds(key.deletionDate) }),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

const UNSUPPORTED_KEYS =
  'The KMS simulator makes only symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT).';

export const createKey = defineOperation(
  'CreateKey',
  z.strictObject({
    Policy: text(1, 131_072).optional(),
    Description: text(0, 8192).optional(),
    KeyUsage: z.enum(['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT']).optional(),
    CustomerMasterKeySpec: z.string().optional(),
    KeySpec: z.string().optional(),
    Origin: z.enum(['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE']).optional(),
    CustomKeyStoreId: text(1, 64).optional(),
    BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
    Tags: z.array(z.strictObject({ TagKey: text(1, 128), TagValue: text(0, 256) })).optional(),
    MultiRegion: z.boolean().optional(),
    XksKeyId: text(1, 128).optional(),
  }),
  (input, ctx) => {
    const symmetric = (spec: string | undefined) => spec === undefined || spec === 'SYMMETRIC_DEFAULT';
    if ((input.KeyUsage ?? 'ENCRYPT_DECRYPT') !== 'ENCRYPT_DECRYPT' || !symmetric(input.KeySpec)) {
      throw kmsError.unsupportedOperation(UNSUPPORTED_KEYS);
    }
    if (!symmetric(input.CustomerMasterKeySpec)) throw kmsError.unsupportedOperation(UNSUPPORTED_KEYS);
    if (
      (input.Origin ?? 'AWS_KMS') !== 'AWS_KMS' ||
      input.CustomKeyStoreId ||
      input.XksKeyId ||
      input.MultiRegion
    ) {
      throw kmsError.unsupportedOperation(
        'The KMS simulator makes only single-Region keys with AWS_KMS origin.',
      );
    }
    const policy = input.Policy ?? defaultKeyPolicy(ctx.scope.accountId);
    parseKeyPolicy(policy);
    const keyId = randomUUID();
    if (input.Policy !== undefined && input.BypassPolicyLockoutSafetyCheck !== true) {
      checkPolicyLockout(ctx, keyId, policy);
    }
    const key = ctx.store.createKey({ keyId, description: input.Description ?? '', policy });
    return { KeyMetadata: keyMetadata(ctx, key) };
  },
);

export const describeKey = defineOperation(
  'DescribeKey',
  z.strictObject({ KeyId: keyIdField, GrantTokens: grantTokensField }),
  (input, ctx) => {
    const key = resolveKey(ctx, input.KeyId, { aliases: true });
    authorize(ctx, key, 'kms:DescribeKey', conditionContext(ctx, {}));
    return { KeyMetadata: keyMetadata(ctx, key) };
  },
);

export const listKeys = defineOperation(
  'ListKeys',
  z.strictObject({ Limit: integer(1, 1000).optional(), Marker: text(1, 1024).optional() }),
  (input, ctx) => {
    const keys = ctx.store.keys();
    const start = input.Marker === undefined ? 0 : keys.findIndex((k) => k.keyId === input.Marker);
    if (start < 0)
      throw kmsError.invalidMarker(
        'The marker that specifies where pagination should next begin is not valid.',
      );
    const page = keys.slice(start, start + (input.Limit ?? 100));
    const next = keys[start + page.length];
    return {
      Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: keyArn(ctx.scope, k.keyId) })),
      Truncated: next !== undefined,
      ...(next === undefined ? {} : { NextMarker: next.keyId }),
    };
  },
);

const DAY_MS = 86_400_000;

export const scheduleKeyDeletion = defineOperation(
  'ScheduleKeyDeletion',
  z.strictObject({ KeyId: keyIdField, PendingWindowInDays: integer(7, 30).optional() }),
  (input, ctx) => {
    const key = resolveKey(ctx, input.KeyId, { aliases: false });
    authorize(ctx, key, 'kms:ScheduleKeyDeletion', conditionContext(ctx, {}));
    requireNotPendingDeletion(ctx, key);
    const days = input.PendingWindowInDays ?? 30;
    const deletionDate = ctx.now() + days * DAY_MS;
    ctx.store.saveKey({ ...key, keyState: 'PendingDeletion', deletionDate });
    return {
      KeyId: keyArn(ctx.scope, key.keyId),
      DeletionDate: epochSeconds(deletionDate),
      KeyState: 'PendingDeletion',
      PendingWindowInDays: days,
    };
  },
);

function setEnabled(name: 'EnableKey' | 'DisableKey', enabled: boolean) {
  return defineOperation(name, z.strictObject({ KeyId: keyIdField }), (input, ctx) => {
    const key = resolveKey(ctx, input.KeyId, { aliases: false });
    authorize(ctx, key, `kms:${name}`, conditionContext(ctx, {}));
    requireNotPendingDeletion(ctx, key);
    ctx.store.saveKey({ ...key, keyState: enabled ? 'Enabled' : 'Disabled' });
    return {};
  });
}

export const enableKey = setEnabled('EnableKey', true);
export const disableKey = setEnabled('DisableKey', false);
