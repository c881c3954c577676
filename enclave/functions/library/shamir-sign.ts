import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
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

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Ed25519 signature and raw public key for a 32-byte seed; the seed and its DER copy are zeroed after use. */
export function signWithSeed(seed: Buffer, message: Uint8Array): { signature: string; publicKey: string } {
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  try {
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    return {
      signature: sign(null, message, privateKey).toString('hex'),
      publicKey: spki.subarray(spki.length - 32).toString('hex'),
    };
  } finally {
    der.fill(0);
    seed.fill(0);
  }
}

export const shamirSignFunction = defineFunction({
  id: 'shamir-sign',
  version: '1.0.0',
  summary:
    'Reconstructs a secret from Shamir shares over GF(2^255 - 19), uses its 32 big-endian bytes as an Ed25519 ' +
    'seed and signs the agreed message. Only the signature and the public key leave.',
  parameters: z.strictObject({ threshold: thresholdParameter, message: hexBytes(65_536) }),
  input: shareInput,
  output: z.strictObject({
    publicKey: z.string().regex(/^[0-9a-f]{64}$/),
    signature: z.string().regex(/^[0-9a-f]{128}$/),
  }),
  parties: { min: 1, max: 255 },
  evaluate(params, inputs) {
    const seed = secretBytes(reconstructSecret(inputs, params.threshold));
    return signWithSeed(seed, Buffer.from(params.message, 'hex'));
  },
  helpers: [signWithSeed, ...SHAMIR_RECONSTRUCTION_CODE],
});
