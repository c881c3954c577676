import { z } from 'zod';
import { kmsError } from '../errors.js';
import { ALIAS_NAME_RE, aliasArn } from '../key-ids.js';
import { integer, keyIdField, text } from './fields.js';
import {
  authorize,
  conditionContext,
  epochSeconds,
  requireNotPendingDeletion,
  resolveKey,
} from './key-access.js';
import { defineOperation } from './operation.js';

export const createAlias = defineOperation(
  'CreateAlias',
  z.strictObject({
    AliasName: text(1, 256).regex(
      /^[a-zA-Z0-9:/_-]+$/,
      'Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$',
    ),
    TargetKeyId: keyIdField,
  }),
  (input, ctx) => {
    if (!ALIAS_NAME_RE.test(input.AliasName)) {
      throw kmsError.invalidAliasName('Alias must start with the prefix "alias/".');
    }
    if (input.AliasName.startsWith('alias/aws/')) {
      throw kmsError.invalidAliasName(
        'Alias names starting with "alias/aws/" are reserved for AWS managed keys.',
      );
    }
    const key = resolveKey(ctx, input.TargetKeyId, { aliases: false });
    authorize(ctx, key, 'kms:CreateAlias', conditionContext(ctx, {}));
    requireNotPendingDeletion(ctx, key);
    if (ctx.store.alias(input.AliasName)) {
      throw kmsError.alreadyExists(
        `An alias with the name ${aliasArn(ctx.scope, input.AliasName)} already exists`,
      );
    }
    ctx.store.createAlias(input.AliasName, key.keyId);
    return {};
  },
);

export const listAliases = defineOperation(
  'ListAliases',
  z.strictObject({
    KeyId: keyIdField.optional(),
    Limit: integer(1, 100).optional(),
    Marker: text(1, 1024).optional(),
  }),
  (input, ctx) => {
    const target =
      input.KeyId === undefined ? undefined : resolveKey(ctx, input.KeyId, { aliases: false }).keyId;
    const aliases = ctx.store.aliases().filter((a) => target === undefined || a.targetKeyId === target);
    const start = input.Marker === undefined ? 0 : aliases.findIndex((a) => a.aliasName === input.Marker);
    if (start < 0)
      throw kmsError.invalidMarker(
        'The marker that specifies where pagination should next begin is not valid.',
      );
    const page = aliases.slice(start, start + (input.Limit ?? 50));
    const next = aliases[start + page.length];
    return {
      Aliases: page.map((a) => ({
        AliasName: a.aliasName,
        AliasArn: aliasArn(ctx.scope, a.aliasName),
        TargetKeyId: a.targetKeyId,
        CreationDate: epochSeconds(a.creationDate),
        LastUpdatedDate: epochSeconds(a.lastUpdatedDate),
      })),
      Truncated: next !== undefined,
      ...(next === undefined ? {} : { NextMarker: next.aliasName }),
    };
  },
);
