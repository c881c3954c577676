/**
 * KMS mode: a party prepares an input ahead of time under a data key from its own KMS key (whose policy admits
 * only the expected PCRs). The input is AES-256-GCM under the data key with the binding as AAD; the enclave gets
 * the data key from KMS Decrypt with `Recipient` (enclave/kms) and opens it here. The party signs the whole
 * submission, so the enclave knows who provided it.
 */
import { createCipheriv, createDecipheriv, type KeyObject, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CONTEXTS } from '../codec/contexts.js';
import { bytesSchema, parseWith } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import { assertBindingMatches, type InputBinding, inputBindingSchema, inputInfo } from '../hpke/binding.js';
import { pickBinding } from '../hpke/envelope.js';
import type { SigningPublicKey } from '../signing/keys.js';
import { assertProtocolSignature, SIGNATURE_BYTES, signProtocolValue } from '../signing/signatures.js';

export const MAX_KMS_INPUT_BYTES = 16 * 1024 * 1024;
const GCM_TAG_BYTES = 16;
const GCM_NONCE_BYTES = 12;
const DATA_KEY_BYTES = 32;

/**
 * Wire form: canonical CBOR map {v, mode: "kms", sessionId, inputName, partyId, round, keyId, encryptionContext,
 * encryptedDataKey, nonce, ciphertext (AES-256-GCM, tag appended), signature}.
 */
export const kmsInputSchema = z.strictObject({
  ...inputBindingSchema.shape,
  v: z.literal(1),
  mode: z.literal('kms'),
  keyId: z.string().min(1).max(2048),
  encryptionContext: z.record(z.string().min(1).max(256), z.string().max(256)),
  /** The KMS `CiphertextBlob` of the data key. */
  encryptedDataKey: bytesSchema(1, 6144),
  nonce: bytesSchema(GCM_NONCE_BYTES, GCM_NONCE_BYTES),
  ciphertext: bytesSchema(GCM_TAG_BYTES, MAX_KMS_INPUT_BYTES + GCM_TAG_BYTES),
  signature: bytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
});
export type KmsInput = z.infer<typeof kmsInputSchema>;

export interface SealKmsInputParams extends InputBinding {
  readonly plaintext: Uint8Array;
  /** The plaintext data key from KMS GenerateDataKey (32 bytes). Secret: discard it after sealing. */
  readonly dataKey: Uint8Array;
  readonly encryptedDataKey: Uint8Array;
  readonly keyId: string;
  readonly encryptionContext: Readonly<Record<string, string>>;
  readonly senderSigningKey: KeyObject;
}

function unsigned(input: KmsInput): Omit<KmsInput, 'signature'> {
  const { signature: _signature, ...rest } = input;
  return rest;
}

function checkDataKey(dataKey: Uint8Array): void {
  if (dataKey.byteLength !== DATA_KEY_BYTES) {
    throw new ProtocolError('KEY_INVALID', 'the data key must be 32 bytes (AES_256)');
  }
}

export function sealKmsInput(params: SealKmsInputParams): KmsInput {
  const binding = parseWith(inputBindingSchema, pickBinding(params), 'MESSAGE_INVALID', 'input binding');
  checkDataKey(params.dataKey);
  const nonce = new Uint8Array(randomBytes(GCM_NONCE_BYTES));
  const cipher = createCipheriv('aes-256-gcm', params.dataKey, nonce);
  cipher.setAAD(inputInfo(binding, 'kms'));
  const ciphertext = new Uint8Array(
    Buffer.concat([cipher.update(params.plaintext), cipher.final(), cipher.getAuthTag()]),
  );
  const body = parseWith(
    kmsInputSchema.omit({ signature: true }),
    {
      ...binding,
      v: 1,
      mode: 'kms',
      keyId: params.keyId,
      encryptionContext: { ...params.encryptionContext },
      encryptedDataKey: params.encryptedDataKey,
      nonce,
      ciphertext,
    },
    'MESSAGE_INVALID',
    'KMS input',
  );
  return { ...body, signature: signProtocolValue(CONTEXTS.kmsInput, body, params.senderSigningKey) };
}

/** Validates and verifies a KMS-mode submission (signature, binding) before the enclave asks KMS for the key. */
export function verifyKmsInput(
  input: unknown,
  expected: InputBinding,
  senderPublicKey: SigningPublicKey,
): KmsInput {
  const parsed = parseWith(kmsInputSchema, input, 'MESSAGE_INVALID', 'KMS input');
  assertProtocolSignature(
    CONTEXTS.kmsInput,
    unsigned(parsed),
    parsed.signature,
    senderPublicKey,
    'KMS input',
  );
  assertBindingMatches(parsed, expected, 'KMS input');
  return parsed;
}

/** Opens a verified KMS-mode input with the data key KMS released to the enclave. */
export function openKmsInput(input: KmsInput, dataKey: Uint8Array, expected: InputBinding): Uint8Array {
  checkDataKey(dataKey);
  const body = input.ciphertext.subarray(0, input.ciphertext.byteLength - GCM_TAG_BYTES);
  const tag = input.ciphertext.subarray(input.ciphertext.byteLength - GCM_TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, input.nonce);
    decipher.setAAD(inputInfo(expected, 'kms'));
    decipher.setAuthTag(tag);
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch (error) {
    throw new ProtocolError(
      'HPKE_OPEN_FAILED',
      'the KMS-mode input does not open with this data key: tampered, or sealed for another binding',
      { cause: error },
    );
  }
}
