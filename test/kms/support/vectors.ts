import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { hexToBytes } from '../../../common/bytes.js';

/** The real `CiphertextForRecipient` from AWS KMS and the fields a parser must extract from it. */
const KMS_VECTORS = fileURLToPath(new URL('../../../../shared/vectors/kms/', import.meta.url));

const expectedSchema = z.strictObject({
  encryptedKey: z.string(),
  iv: z.string(),
  encryptedContent: z.string(),
  recipientSubjectKeyIdentifier: z.string(),
});

export interface VectorFields {
  readonly encryptedKey: Uint8Array;
  readonly iv: Uint8Array;
  readonly encryptedContent: Uint8Array;
  readonly subjectKeyIdentifier: Uint8Array;
}

export function realCiphertextForRecipient(): Uint8Array {
  return new Uint8Array(readFileSync(`${KMS_VECTORS}ciphertext-for-recipient.ber`));
}

export function realVectorFields(): VectorFields {
  const expected = expectedSchema.parse(
    JSON.parse(readFileSync(`${KMS_VECTORS}ciphertext-for-recipient.expected.json`, 'utf8')),
  );
  return {
    encryptedKey: hexToBytes(expected.encryptedKey),
    iv: hexToBytes(expected.iv),
    encryptedContent: hexToBytes(expected.encryptedContent),
    subjectKeyIdentifier: hexToBytes(expected.recipientSubjectKeyIdentifier),
  };
}
