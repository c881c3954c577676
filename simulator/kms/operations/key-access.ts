import type { EncryptionContext } from '../encryption-context.js';
import { kmsError } from '../errors.js';
import { aliasArn, keyArn, parseKeyReference } from '../key-ids.js';
import type { KmsKey } from '../key-store.js';
import { type ConditionContext, evaluateKeyPolicy, parseKeyPolicy } from '../policy/index.js';
import type { AttestedRecipient } from '../recipient/index.js';
import type { OperationContext } from './context.js';

/**
 * Finds the key a `KeyId` member names. `aliases: false` for operations that take only a key id or key ARN
 * (PutKeyPolicy, ScheduleKeyDeletion, CreateAlias's target, ...).
 */
export function resolveKey(
  ctx: OperationContext,
  keyId: string,
  options: { readonly aliases: boolean },
): KmsKey {
  const reference = parseKeyReference(keyId, ctx.scope);
  if (!reference || (reference.kind === 'alias' && !options.aliases)) {
    throw kmsError.notFound(`Invalid keyId '${keyId}'`);
  }
  if (reference.kind === 'alias') {
    const alias = ctx.store.alias(reference.aliasName);
    const key = alias && ctx.store.key(alias.targetKeyId);
    if (!key) throw kmsError.notFound(`Alias '${aliasArn(ctx.scope, reference.aliasName)}' is not found.`);
    return key;
  }
  const key = ctx.store.key(reference.keyId);
  if (!key) throw kmsError.notFound(`Key '${keyArn(ctx.scope, reference.keyId)}' does not exist`);
  return key;
}

/** The request's condition keys (lower-cased): caller account, encryption context, recipient attestation. */
export function conditionContext(
  ctx: OperationContext,
  parts: {
    readonly encryptionContext?: EncryptionContext | undefined;
    readonly recipient?: AttestedRecipient | undefined;
  },
): ConditionContext {
  const values = new Map<string, string[]>([['kms:calleraccount', [ctx.scope.accountId]]]);
  const pairs = Object.entries(parts.encryptionContext ?? {});
  for (const [key, value] of pairs) values.set(`kms:encryptioncontext:${key.toLowerCase()}`, [value]);
  if (pairs.length > 0)
    values.set(
      'kms:encryptioncontextkeys',
      pairs.map(([key]) => key),
    );
  for (const [key, value] of parts.recipient?.conditionValues ?? []) values.set(key, [value]);
  return values;
}

/** Evaluates the key policy; throws AccessDeniedException worded as KMS words it. */
export function authorize(
  ctx: OperationContext,
  key: KmsKey,
  action: string,
  context: ConditionContext,
): void {
  const resource = keyArn(ctx.scope, key.keyId);
  const decision = evaluateKeyPolicy(parseKeyPolicy(key.policy), {
    principalArns: ctx.caller.principalArns,
    accountId: ctx.scope.accountId,
    action,
    resource,
    context,
  });
  if (decision === 'allow') return;
  const denied = `User: ${ctx.caller.arn} is not authorized to perform: ${action} on resource: ${resource}`;
  throw kmsError.accessDenied(
    decision === 'explicit-deny'
      ? `${denied} with an explicit deny in a resource-based policy`
      : `${denied} because no resource-based policy allows the ${action} action`,
  );
}

/** Cryptographic operations need an enabled key. */
export function requireEnabled(ctx: OperationContext, key: KmsKey): void {
  requireNotPendingDeletion(ctx, key);
  if (key.keyState === 'Disabled') throw kmsError.disabled(`${keyArn(ctx.scope, key.keyId)} is disabled.`);
}

export function requireNotPendingDeletion(ctx: OperationContext, key: KmsKey): void {
  if (key.keyState === 'PendingDeletion') {
    throw kmsError.invalidState(`${keyArn(ctx.scope, key.keyId)} is pending deletion.`);
  }
}

/**
 * KMS's policy lockout safety check: a new policy must still let the caller change the policy later, unless the
 * caller bypasses the check.
 */
export function checkPolicyLockout(ctx: OperationContext, keyId: string, policy: string): void {
  const decision = evaluateKeyPolicy(parseKeyPolicy(policy), {
    principalArns: ctx.caller.principalArns,
    accountId: ctx.scope.accountId,
    action: 'kms:PutKeyPolicy',
    resource: keyArn(ctx.scope, keyId),
    context: conditionContext(ctx, {}),
  });
  if (decision !== 'allow') {
    throw kmsError.malformedPolicy(
      'The new key policy will not allow you to update the key policy in the future.',
    );
  }
}

/** Epoch seconds, as AWS JSON protocols encode timestamps. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}
