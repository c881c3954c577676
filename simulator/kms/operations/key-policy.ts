import { z } from 'zod';
import { parseKeyPolicy } from '../policy/index.js';
import { keyIdField, text } from './fields.js';
import { authorize, checkPolicyLockout, conditionContext, resolveKey } from './key-access.js';
import { defineOperation } from './operation.js';

/** KMS keys have one policy, named "default". */
const policyName = z.literal('default', 'Member must be "default"').optional();

export const putKeyPolicy = defineOperation(
  'PutKeyPolicy',
  z.strictObject({
    KeyId: keyIdField,
    PolicyName: policyName,
    Policy: text(1, 131_072),
    BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
  }),
  (input, ctx) => {
    const key = resolveKey(ctx, input.KeyId, { aliases: false });
    authorize(ctx, key, 'kms:PutKeyPolicy', conditionContext(ctx, {}));
    parseKeyPolicy(input.Policy);
    if (input.BypassPolicyLockoutSafetyCheck !== true) checkPolicyLockout(ctx, key.keyId, input.Policy);
    ctx.store.saveKey({ ...key, policy: input.Policy });
    return {};
  },
);

export const getKeyPolicy = defineOperation(
  'GetKeyPolicy',
  z.strictObject({ KeyId: keyIdField, PolicyName: policyName }),
  (input, ctx) => {
    const key = resolveKey(ctx, input.KeyId, { aliases: false });
    authorize(ctx, key, 'kms:GetKeyPolicy', conditionContext(ctx, {}));
    return { Policy: key.policy, PolicyName: 'default' };
  },
);
