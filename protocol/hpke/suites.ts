import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { z } from 'zod';
import { NodeAes256Gcm, NodeChacha20Poly1305 } from './node-aead.js';
import { NodeHkdfSha256 } from './node-kdf.js';
import { NodeDhkemX25519HkdfSha256 } from './node-x25519.js';

/** RFC 9180 identifiers. The KEM and KDF are fixed; the AEAD is AES-256-GCM or ChaCha20Poly1305. */
export const HPKE_KEM_X25519_HKDF_SHA256 = 0x0020;
export const HPKE_KDF_HKDF_SHA256 = 0x0001;
export const HPKE_AEAD_AES_256_GCM = 0x0002;
export const HPKE_AEAD_CHACHA20_POLY1305 = 0x0003;

export type HpkeAead = 'AES-256-GCM' | 'ChaCha20Poly1305';

/** The suite as carried on the wire: the three RFC 9180 ids. */
export const hpkeSuiteIdsSchema = z.strictObject({
  kem: z.literal(HPKE_KEM_X25519_HKDF_SHA256),
  kdf: z.literal(HPKE_KDF_HKDF_SHA256),
  aead: z.union([z.literal(HPKE_AEAD_AES_256_GCM), z.literal(HPKE_AEAD_CHACHA20_POLY1305)]),
});
export type HpkeSuiteIds = z.infer<typeof hpkeSuiteIdsSchema>;

/** AEAD tag length: 16 bytes for both suites. */
export const HPKE_TAG_BYTES = 16;
/** X25519 `enc` (the sender's ephemeral public key) and public keys: 32 bytes. */
export const HPKE_ENC_BYTES = 32;

/** One suite object per AEAD, built once: suites are stateless and building one sets up its KEM and KDF. */
const suites = new Map<number, CipherSuite>();
const stockSuites = new Map<number, CipherSuite>();

export function suiteIdsOf(aead: HpkeAead): HpkeSuiteIds {
  return {
    kem: HPKE_KEM_X25519_HKDF_SHA256,
    kdf: HPKE_KDF_HKDF_SHA256,
    aead: aead === 'AES-256-GCM' ? HPKE_AEAD_AES_256_GCM : HPKE_AEAD_CHACHA20_POLY1305,
  };
}

/**
 * The suite that seals envelopes and opens streams and results (a single envelope is opened by `openSingleShot`,
 * single-shot-open.ts): @hpke/core's `CipherSuite` (its key schedule and contexts) over
 * node:crypto primitives (`node-x25519.ts`, `node-kdf.ts`, `node-aead.ts`). Same bytes on the wire as the stock
 * suite, several times cheaper per open (see `npm run bench -- hpke`).
 */
export function cipherSuiteFor(ids: HpkeSuiteIds): CipherSuite {
  let suite = suites.get(ids.aead);
  if (suite === undefined) {
    suite = new CipherSuite({
      kem: new NodeDhkemX25519HkdfSha256(),
      kdf: new NodeHkdfSha256(),
      aead: ids.aead === HPKE_AEAD_AES_256_GCM ? new NodeAes256Gcm() : new NodeChacha20Poly1305(),
    });
    suites.set(ids.aead, suite);
  }
  return suite;
}

/** @hpke/core's own WebCrypto/noble suite: the reference the fast one is tested and benchmarked against. */
export function stockCipherSuiteFor(ids: HpkeSuiteIds): CipherSuite {
  let suite = stockSuites.get(ids.aead);
  if (suite === undefined) {
    suite = new CipherSuite({
      kem: new DhkemX25519HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: ids.aead === HPKE_AEAD_AES_256_GCM ? new Aes256Gcm() : new Chacha20Poly1305(),
    });
    stockSuites.set(ids.aead, suite);
  }
  return suite;
}

/**
 * The KEM for key (de)serialization (not per-message work, and independent of the AEAD): the stock one, so
 * `HpkePrivateKey` stays a WebCrypto key. Key pairs are not generated with it (`generateHpkeKeyPair` says why).
 */
export function x25519Kem(): CipherSuite['kem'] {
  return stockCipherSuiteFor(suiteIdsOf('AES-256-GCM')).kem;
}
