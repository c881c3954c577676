/**
 * Ed25519 signatures are checked with libsodium where it loads (here it does): it must give node:crypto's
 * verdict on every honest and every altered signature, and refuse what only a weak key could make.
 */
import { verify as nodeVerify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { curveBackend, sodium } from '../../common/sodium.js';
import { toBeSigned } from '../../protocol/codec/canonical.js';
import {
  generateSigningKeyPair,
  importedSigningKeyOf,
  type SigningPublicKey,
  signProtocolValue,
  verifyProtocolSignature,
} from '../../protocol/index.js';

const CONTEXT = 'nitro-mpc/test';
const keys = Array.from({ length: 4 }, () => generateSigningKeyPair('Ed25519'));

function flipped(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

describe('Ed25519 verification on libsodium', () => {
  it('is what this process uses', () => {
    expect(curveBackend()).toBe('libsodium');
    expect(importedSigningKeyOf(keys[0]?.publicKey as SigningPublicKey).raw).toHaveLength(32);
  });

  it("agrees with node:crypto on honest signatures, flipped bits, other signers' keys and other messages", () => {
    const body = fc.record({ n: fc.integer(), text: fc.string(), bytes: fc.uint8Array({ maxLength: 200 }) });
    fc.assert(
      fc.property(
        body,
        body,
        fc.nat({ max: 3 }),
        fc.nat({ max: 3 }),
        fc.option(fc.nat({ max: 511 })),
        (signed, checked, signer, claimed, bit) => {
          const signing = keys[signer] as (typeof keys)[number];
          const claimedKey = (keys[claimed] as (typeof keys)[number]).publicKey;
          const good = signProtocolValue(CONTEXT, signed, signing.privateKey);
          const signature = bit === null ? good : flipped(good, bit);
          const expected = nodeVerify(
            null,
            toBeSigned(CONTEXT, checked),
            importedSigningKeyOf(claimedKey).key,
            signature,
          );
          expect(verifyProtocolSignature(CONTEXT, checked, signature, claimedKey)).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('verifies the RFC 8032 test vectors (section 7.1, tests 1 to 3)', () => {
    const vectors = [
      {
        key: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
        message: '',
        signature:
          'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      },
      {
        key: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
        message: '72',
        signature:
          '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      },
      {
        key: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
        message: 'af82',
        signature:
          '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
      },
    ];
    const libsodium = sodium();
    if (!libsodium) throw new Error('libsodium did not load');
    for (const v of vectors) {
      const signature = Buffer.from(v.signature, 'hex');
      const message = Buffer.from(v.message, 'hex');
      expect(libsodium.crypto_sign_verify_detached(signature, message, Buffer.from(v.key, 'hex'))).toBe(true);
      expect(
        libsodium.crypto_sign_verify_detached(flipped(signature, 0), message, Buffer.from(v.key, 'hex')),
      ).toBe(false);
    }
  });

  it('refuses a "signature" under a small-order key, which OpenSSL accepts for any message', () => {
    // The identity point as the key: R = identity, S = 0 satisfies OpenSSL's cofactorless equation whatever the
    // message. A party could only do this to its own key, but libsodium refuses it outright.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), identity]).toString('base64');
    const weakKey: SigningPublicKey = { alg: 'Ed25519', spki };
    const forged = new Uint8Array(64);
    forged[0] = 1;
    const body = { anything: 'at all' };
    expect(nodeVerify(null, toBeSigned(CONTEXT, body), importedSigningKeyOf(weakKey).key, forged)).toBe(true);
    expect(verifyProtocolSignature(CONTEXT, body, forged, weakKey)).toBe(false);
  });
});
