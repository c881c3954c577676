import { z } from 'zod';
import { ciphertextBlobKeyId, openCiphertextBlob, sealCiphertextBlob } from '../ciphertext-blob.js';
import { kmsError } from '../errors.js';
import { keyArn } from '../key-ids.js';
import { sealForRecipient } from '../recipient/index.js';
import type { OperationContext } from './context.js';
import {
  blob,
  dryRunField,
  encryptionAlgorithmField,
  encryptionContextField,
  grantTokensField,
  keyIdField,
  recipientField,
} from './fields.js';
import { authorize, conditionContext, requireEnabled, resolveKey } from './key-access.js';
import { defineOperation } from './operation.js';
import { attestedRecipient } from './recipient-access.js';

const SYMMETRIC_ONLY =
  'The KMS simulator keys are symmetric: use the SYMMETRIC_DEFAULT encryption algorithm.';

function checkAlgorithm(algorithm: string | undefined): void {
  if (algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT')
    throw kmsError.invalidKeyUsage(SYMMETRIC_ONLY);
}

export const encrypt = defineOperation(
  'Encrypt',
  z.strictObject({
    KeyId: keyIdField,
    Plaintext: blob(1, 4096),
    EncryptionContext: encryptionContextField,
    GrantTokens: grantTokensField,
    EncryptionAlgorithm: encryptionAlgorithmField,
    DryRun: dryRunField,
  }),
  (input, ctx) => {
    const key = resolveKey(ctx, input.KeyId, { aliases: true });
    authorize(ctx, key, 'kms:Encrypt', conditionContext(ctx, { encryptionContext: input.EncryptionContext }));
    requireEnabled(ctx, key);
    checkAlgorithm(input.EncryptionAlgorithm);
    if (input.DryRun) throw kmsError.dryRun();
    const ciphertext = sealCiphertextBlob({
      keyId: key.keyId,
      material: key.material,
      plaintext: input.Plaintext,
      encryptionContext: input.EncryptionContext,
    });
    return {
      CiphertextBlob: ciphertext,
      KeyId: keyArn(ctx.scope, key.keyId),
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    };
  },
);

function keyOfCiphertext(ctx: OperationContext, ciphertext: Uint8Array, requested: string | undefined) {
  const keyId = ciphertextBlobKeyId(ciphertext);
  const key = keyId === undefined ? undefined : ctx.store.key(keyId);
  if (!key) throw kmsError.invalidCiphertext('The ciphertext is not one this KMS produced.');
  if (requested !== undefined && resolveKey(ctx, requested, { aliases: true }).keyId !== key.keyId) {
    throw kmsError.incorrectKey();
  }
  return key;
}

export const decrypt = defineOperation(
  'Decrypt',
  z.strictObject({
    CiphertextBlob: blob(1, 6144),
    EncryptionContext: encryptionContextField,
    GrantTokens: grantTokensField,
    KeyId: keyIdField.optional(),
    EncryptionAlgorithm: encryptionAlgorithmField,
    Recipient: recipientField,
    DryRun: dryRunField,
  }),
  async (input, ctx) => {
    const key = keyOfCiphertext(ctx, input.CiphertextBlob, input.KeyId);
    const recipient = await attestedRecipient(ctx, input.Recipient);
    authorize(
      ctx,
      key,
      'kms:Decrypt',
      conditionContext(ctx, { encryptionContext: input.EncryptionContext, recipient }),
    );
    requireEnabled(ctx, key);
    checkAlgorithm(input.EncryptionAlgorithm);
    if (input.DryRun) throw kmsError.dryRun();
    const plaintext = openCiphertextBlob(input.CiphertextBlob, key.material, input.EncryptionContext);
    // Same answer for a forged blob and a changed encryption context: KMS does not say which.
    if (!plaintext)
      throw kmsError.invalidCiphertext('The ciphertext or its encryption context is not valid.');
    const common = { KeyId: keyArn(ctx.scope, key.keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    if (!recipient) return { ...common, Plaintext: plaintext };
    const envelope = sealForRecipient(plaintext, recipient);
    plaintext.fill(0);
    return { ...common, CiphertextForRecipient: envelope };
  },
);
