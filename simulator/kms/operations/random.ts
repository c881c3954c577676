import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { kmsError } from '../errors.js';
import { sealForRecipient } from '../recipient/index.js';
import { integer, recipientField, text } from './fields.js';
import { defineOperation } from './operation.js';
import { attestedRecipient } from './recipient-access.js';

export const generateRandom = defineOperation(
  'GenerateRandom',
  z.strictObject({
    NumberOfBytes: integer(1, 1024),
    CustomKeyStoreId: text(1, 64).optional(),
    Recipient: recipientField,
  }),
  async (input, ctx) => {
    if (input.CustomKeyStoreId !== undefined) {
      throw kmsError.unsupportedOperation('The KMS simulator has no custom key stores.');
    }
    // GenerateRandom uses no KMS key, so no key policy applies; the simulated IAM allows it.
    const recipient = await attestedRecipient(ctx, input.Recipient);
    const random = new Uint8Array(randomBytes(input.NumberOfBytes));
    if (!recipient) return { Plaintext: random };
    const envelope = sealForRecipient(random, recipient);
    random.fill(0);
    return { CiphertextForRecipient: envelope };
  },
);
