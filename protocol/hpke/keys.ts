import { type KeyObject, randomFillSync, webcrypto } from 'node:crypto';
import { z } from 'zod';
import { base64Schema } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import { NodeX25519Key, nodeX25519KeyPair, nodeX25519PublicKey } from './node-x25519.js';
import { HPKE_ENC_BYTES, x25519Kem } from './suites.js';

/** An HPKE public key in its canonical form: the raw 32-byte X25519 key as canonical base64. */
export const hpkePublicKeySchema = z.strictObject({
  kem: z.literal('X25519'),
  key: base64Schema(HPKE_ENC_BYTES, HPKE_ENC_BYTES),
});
export type HpkePublicKey = z.infer<typeof hpkePublicKeySchema>;

/** An X25519 private key held as a WebCrypto key (it never needs to leave as bytes). */
export type HpkePrivateKey = webcrypto.CryptoKey;

export interface HpkeKeyPair {
  readonly publicKey: HpkePublicKey;
  /** Secret: never log it; discarding it makes every ciphertext sealed to it unreadable. */
  readonly privateKey: HpkePrivateKey;
}

function toPublicKey(raw: ArrayBuffer): HpkePublicKey {
  return { kem: 'X25519', key: Buffer.from(raw).toString('base64') };
}

/**
 * A new key pair, imported from 32 random bytes rather than made by WebCrypto's generator: its public part is then
 * exported as a JWK, which can deadlock node 20 against the generator's job (see common/okp-keys.ts).
 */
export async function generateHpkeKeyPair(): Promise<HpkeKeyPair> {
  const raw = randomFillSync(new Uint8Array(32));
  try {
    return await importHpkePrivateKey(raw);
  } finally {
    raw.fill(0);
  }
}

/**
 * Imports a public key for sealing with `cipherSuiteFor` suites: a node key (JWK import), not a WebCrypto one, so
 * the sender's KEM serializes and uses it without further async WebCrypto calls.
 */
export async function importHpkePublicKey(spec: HpkePublicKey): Promise<webcrypto.CryptoKey> {
  const raw = rawHpkePublicKey(spec);
  try {
    return nodeX25519PublicKey(raw);
  } catch (error) {
    throw new ProtocolError('KEY_INVALID', 'HPKE public key is not a valid X25519 key', { cause: error });
  }
}

/** The raw 32 bytes of a public key (its schema holds them to that length); a malformed one is `KEY_INVALID`. */
export function rawHpkePublicKey(spec: HpkePublicKey): Uint8Array {
  const raw = new Uint8Array(Buffer.from(spec.key, 'base64'));
  if (spec.kem !== 'X25519' || raw.byteLength !== HPKE_ENC_BYTES) {
    throw new ProtocolError('KEY_INVALID', 'HPKE public key is not a raw 32-byte X25519 key');
  }
  return raw;
}

/** The raw 32-byte X25519 private key, for the holder's own storage. Secret. */
export async function exportHpkePrivateKey(privateKey: HpkePrivateKey): Promise<Uint8Array> {
  return new Uint8Array(await x25519Kem().serializePrivateKey(privateKey));
}

/** Imports a raw X25519 private key and returns the pair it belongs to. */
export async function importHpkePrivateKey(raw: Uint8Array): Promise<HpkeKeyPair> {
  const kem = x25519Kem();
  try {
    const privateKey = await kem.deserializePrivateKey(raw);
    const publicRaw = await publicKeyOfPrivate(privateKey);
    return { publicKey: toPublicKey(publicRaw), privateKey };
  } catch (error) {
    throw new ProtocolError('KEY_INVALID', 'HPKE private key is not a valid raw X25519 key', {
      cause: error,
    });
  }
}

async function publicKeyOfPrivate(privateKey: HpkePrivateKey): Promise<ArrayBuffer> {
  // WebCrypto exports the public part of an X25519 private key through its JWK (`x`).
  const jwk = await webcrypto.subtle.exportKey('jwk', privateKey);
  if (typeof jwk.x !== 'string') throw new TypeError('no public part');
  const raw = Buffer.from(jwk.x, 'base64url');
  return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
}

/** Recipient key pairs by private key: opening with the pair spares the KEM re-deriving the public key. */
const recipientPairs = new WeakMap<HpkePrivateKey, webcrypto.CryptoKeyPair>();

/** The private key with its public key, as node keys for the fast suite; computed once per private key. */
export function recipientKeyPairOf(privateKey: HpkePrivateKey): webcrypto.CryptoKeyPair {
  let pair = recipientPairs.get(privateKey);
  if (pair === undefined) {
    pair = nodeX25519KeyPair(privateKey);
    recipientPairs.set(privateKey, pair);
  }
  return pair;
}

/**
 * A recipient key pair as a worker thread can be handed it (cloned; a thread that was handed `privateRaw` zeroes it
 * after use): where libsodium does the DH, raw bytes alone; otherwise node `KeyObject`s and the raw public key.
 */
export interface RecipientKeys {
  /** Absent where `privateRaw` is there: the DH needs nothing else, and a cloned `KeyObject` is costly. */
  readonly privateKey: KeyObject | undefined;
  readonly publicKey: KeyObject | undefined;
  readonly publicRaw: Uint8Array;
  /** Secret. */
  readonly privateRaw: Uint8Array | undefined;
}

/** The node keys of `privateKey`'s pair (computed once per private key; `forgetRecipientKeys` drops them). */
export function recipientKeysOf(privateKey: HpkePrivateKey): RecipientKeys {
  const { privateKey: secret, publicKey } = recipientKeyPairOf(privateKey);
  if (!(secret instanceof NodeX25519Key) || !(publicKey instanceof NodeX25519Key) || !publicKey.raw) {
    throw new TypeError('recipient key pair is not held as node keys');
  }
  const raw = secret.raw !== undefined;
  return {
    privateKey: raw ? undefined : secret.keyObject,
    publicKey: raw ? undefined : publicKey.keyObject,
    publicRaw: publicKey.raw,
    privateRaw: secret.raw,
  };
}

/** The pair for the fast suites, from keys handed over by `recipientKeysOf` (e.g. in a worker thread). */
export function recipientKeyPairFrom(keys: RecipientKeys): webcrypto.CryptoKeyPair {
  return {
    privateKey: new NodeX25519Key('private', keys.privateKey, keys.privateRaw),
    publicKey: new NodeX25519Key('public', keys.publicKey, keys.publicRaw),
  };
}

/** The private key is being discarded: the raw copy of it made for the DH is zeroed and the pair forgotten. */
export function forgetRecipientKeys(privateKey: HpkePrivateKey): void {
  const pair = recipientPairs.get(privateKey);
  if (pair?.privateKey instanceof NodeX25519Key) pair.privateKey.raw?.fill(0);
  recipientPairs.delete(privateKey);
}
