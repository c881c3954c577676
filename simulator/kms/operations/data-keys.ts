import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { sealCiphertextBlob } from '../ciphertext-blob.js';
import { kmsError } from '../errors.js';
import { keyArn } from '../key-ids.js';
import { sealForRecipient } from '../recipient/index.js';
import {
  dryRunField,
  encryptionContextField,
  grantTokensField,
  integer,
  keyIdField,
  recipientField,
} from './fields.js';
import { authorize, conditionContext, requireEnabled, resolveKey } from './key-access.js';
import { defineOperation } from './operation.js';
import { attestedRecipient } from './recipient-access.js';

const KEY_SPEC_BYTES = { AES_256: 32, AES_128: 16 } as const;

const dataKeyFields = {
  KeyId: keyIdField,
  EncryptionContext: encryptionContextField,
  NumberOfBytes: integer(1, 1024).optional(),
  KeySpec: z.enum(['AES_256', 'AES_128']).optional(),
  GrantTokens: grantTokensField,
  DryRun: dryRunField,
};

function dataKeyLength(input: {
  NumberOfBytes?: number | undefined;
  KeySpec?: 'AES_256' | 'AES_128' | undefined;
}): number {
  if ((input.NumberOfBytes === undefined) === (input.KeySpec === undefined)) {
    throw kmsError.validation('Please specify either number of bytes or key spec.');
  }
  return input.KeySpec === undefined ? (input.NumberOfBytes as number) : KEY_SPEC_BYTES[input.KeySpec];
}

type DataKeyInput = { KeyId: string; EncryptionContext?: Record<string, string> | undefined } & Parameters<
  typeof dataKeyLength
>[0];

/** A fresh data key of the requested length and its ciphertext blob under `key`, bound to the context. */
function mintDataKey(
  key: { keyId: string; material: Uint8Array },
  input: DataKeyInput,
): { dataKey: Uint8Array; ciphertext: Uint8Array } {
  const dataKey = new Uint8Array(randomBytes(dataKeyLength(input)));
  const ciphertext = sealCiphertextBlob({
    keyId: key.keyId,
    material: key.material,
    plaintext: dataKey,
    encryptionContext: input.EncryptionContext,
  });
  return { dataKey, ciphertext };
}

export const generateDataKey = defineOperation(
  'GenerateDataKey',
  z.strictObject({ ...dataKeyFields, Recipient: recipientField }),
  async (input, ctx) => {
    dataKeyLength(input); // KMS checks the size before it looks the key up.
    const key = resolveKey(ctx, input.KeyId, { aliases: true });
    const recipient = await attestedRecipient(ctx, input.Recipient);
    authorize(
      ctx,
      key,
      'kms:GenerateDataKey',
      conditionContext(ctx, { encryptionContext: input.EncryptionContext, recipient }),
    );
    requireEnabled(ctx, key);
    if (input.DryRun) throw kmsError.dryRun();
    const { dataKey, ciphertext } = mintDataKey(key, input);
    const common = { CiphertextBlob: ciphertext, KeyId: keyArn(ctx.scope, key.keyId) };
    if (!recipient) return { ...common, Plaintext: dataKey };
    const envelope = sealForRecipient(dataKey, recipient);
    dataKey.fill(0);
    return { ...common, CiphertextForRecipient: envelope };
  },
);

export const generateDataKeyWithoutPlaintext = defineOperation(
  'GenerateDataKeyWithoutPlaintext',
  z.strictObject(dataKeyFields),
  (input, ctx) => {
    dataKeyLength(input); // KMS checks the size before it looks the key up.
    const key = resolveKey(ctx, input.KeyId, { aliases: true });
    authorize(
      ctx,
      key,
      'kms:GenerateDataKeyWithoutPlaintext',
      conditionContext(ctx, { encryptionContext: input.EncryptionContext }),
    );
    requireEnabled(ctx, key);
    if (input.DryRun) throw kmsError.dryRun();
    const { dataKey, ciphertext } = mintDataKey(key, input);
    dataKey.fill(0);
    return { CiphertextBlob: ciphertext, KeyId: keyArn(ctx.scope, key.keyId) };
  },
);
