import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { defineFunction } from '../define.js';
import { hexBytes } from '../schemas.js';
import {
  reconstructSecret,
  SHAMIR_RECONSTRUCTION_CODE,
  secretBytes,
  shareInput,
  thresholdParameter,
} from '../support/shamir.js';

const NONCE_LABEL = 'nitro-mpc/shamir-encrypt/nonce/v1';
const KEY_ID_LABEL = 'nitro-mpc/shamir-encrypt/key-id/v1';

/**
 * AES-256-GCM with a synthetic nonce, HMAC-SHA256(key, label || plaintext)[0..12): evaluation stays deterministic
 * and a nonce repeats only for the same plaintext (which then reveals only that equality). The key is zeroed.
 */
export function encryptWithKey(key: Buffer, plaintext: Uint8Array) {
  try {
    const nonce = createHmac('sha256', key).update(NONCE_LABEL).update(plaintext).digest().subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      keyId: createHash('sha256').update(KEY_ID_LABEL).update(key).digest('hex'),
      nonce: nonce.toString('hex'),
      ciphertext: ciphertext.toString('hex'),
      tag: cipher.getAuthTag().toString('hex'),
    };
  } finally {
    key.fill(0);
  }
}

export const shamirEncryptFunction = defineFunction({
  id: 'shamir-encrypt',
  version: '1.0.0',
  summary:
    'Reconstructs a secret from Shamir shares over GF(2^255 - 19) and encrypts the agreed plaintext with AES-256-GCM ' +
    'under its 32 big-endian bytes. Only the ciphertext, nonce, tag and a key identifier (a hash) leave.',
  parameters: z.strictObject({ threshold: thresholdParameter, plaintext: hexBytes(65_536) }),
  input: shareInput,
  output: z.strictObject({
    keyId: z.string().regex(/^[0-9a-f]{64}$/),
    nonce: z.string().regex(/^[0-9a-f]{24}$/),
    ciphertext: z.string().regex(/^(?:[0-9a-f]{2})*$/),
    tag: z.string().regex(/^[0-9a-f]{32}$/),
  }),
  parties: { min: 1, max: 255 },
  evaluate(params, inputs) {
    const key = secretBytes(reconstructSecret(inputs, params.threshold));
    return encryptWithKey(key, Buffer.from(params.plaintext, 'hex'));
  },
  helpers: [encryptWithKey, ...SHAMIR_RECONSTRUCTION_CODE],
});
