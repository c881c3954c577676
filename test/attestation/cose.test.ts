import { createPublicKey, generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CoseError,
  type EcdsaAlgorithm,
  ES256,
  ES384,
  ES512,
  signCoseSign1,
  verifyCoseSign1,
} from '../../attestation/index.js';

const curves: [EcdsaAlgorithm, string, string][] = [
  [ES256, 'prime256v1', 'P-256'],
  [ES384, 'secp384r1', 'P-384'],
  [ES512, 'secp521r1', 'P-521'],
];
const payload = new TextEncoder().encode('the agreed function');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'VALID';
  } catch (error) {
    expect(error).toBeInstanceOf(CoseError);
    return (error as CoseError).code;
  }
}

describe('verifyCoseSign1', () => {
  for (const [algorithm, curve, webName] of curves) {
    describe(algorithm.name, () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const aad = new Uint8Array([1, 2, 3]);
      const message = signCoseSign1(payload, privateKey, algorithm, { externalAad: aad });

      it('verifies with the key as KeyObject, JWK and CryptoKey', async () => {
        const jwk = publicKey.export({ format: 'jwk' });
        const cryptoKey = await webcrypto.subtle.importKey(
          'jwk',
          jwk,
          { name: 'ECDSA', namedCurve: webName },
          true,
          ['verify'],
        );
        for (const key of [publicKey, jwk, cryptoKey]) {
          const verified = await verifyCoseSign1(message, key, { externalAad: aad });
          expect(Buffer.from(verified.payload).toString()).toBe('the agreed function');
          expect(verified.algorithm).toBe(algorithm.name);
          expect(verified.signature).toHaveLength(algorithm.signatureLength);
        }
      });

      it('refuses another external AAD, another key, a flipped bit', async () => {
        expect(await codeOf(verifyCoseSign1(message, publicKey))).toBe('COSE_BAD_SIGNATURE');
        const other = generateKeyPairSync('ec', { namedCurve: curve }).publicKey;
        expect(await codeOf(verifyCoseSign1(message, other, { externalAad: aad }))).toBe(
          'COSE_BAD_SIGNATURE',
        );
        const flipped = new Uint8Array(message);
        flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
        expect(await codeOf(verifyCoseSign1(flipped, publicKey, { externalAad: aad }))).toBe(
          'COSE_BAD_SIGNATURE',
        );
      });

      it('refuses algorithms the caller does not allow', async () => {
        const allowed = algorithm === ES384 ? (['ES256'] as const) : (['ES384'] as const);
        expect(
          await codeOf(verifyCoseSign1(message, publicKey, { externalAad: aad, algorithms: allowed })),
        ).toBe('COSE_ALGORITHM_UNSUPPORTED');
      });
    });
  }

  it('refuses a key on another curve than the algorithm names', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const message = signCoseSign1(payload, privateKey, ES384);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    expect(await codeOf(verifyCoseSign1(message, p256))).toBe('COSE_KEY_INVALID');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(await codeOf(verifyCoseSign1(message, rsa))).toBe('COSE_KEY_INVALID');
    expect(await codeOf(verifyCoseSign1(message, { kty: 'EC', crv: 'P-384' }))).toBe('COSE_KEY_INVALID');
  });

  it('accepts tagged messages and refuses malformed ones', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const tagged = signCoseSign1(payload, privateKey, ES384, { tagged: true });
    expect(tagged[0]).toBe(0xd2);
    expect(await codeOf(verifyCoseSign1(tagged, publicKey))).toBe('VALID');
    for (const bad of [
      new Uint8Array(0),
      new Uint8Array([0x80]),
      new Uint8Array([0x84, 0x40, 0xa0, 0x40]),
      tagged.subarray(1, 20),
    ]) {
      expect(await codeOf(verifyCoseSign1(bad, publicKey))).toBe('COSE_MALFORMED');
    }
    expect(await codeOf(verifyCoseSign1(tagged, publicKey, { maxBytes: 10 }))).toBe('COSE_MALFORMED');
  });

  it('refuses to sign with a key that does not match the algorithm', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => signCoseSign1(payload, privateKey, ES384)).toThrow(CoseError);
    expect(() => signCoseSign1(payload, createPublicKey(privateKey), ES256)).toThrow(CoseError);
  });
});
