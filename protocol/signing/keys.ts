import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { base64Schema } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';

/** `Ed25519` (RFC 8032) or `ES256`: ECDSA on P-256 with SHA-256, signatures as raw r||s (64 bytes). */
export const SIGNING_ALGORITHMS = ['Ed25519', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * A signing public key in its one canonical form: SPKI DER as canonical base64, plus the algorithm. P-256 points
 * are uncompressed (as node exports them); the import refuses any other spelling so the manifest hash is unique.
 */
export const signingPublicKeySchema = z.strictObject({
  alg: z.enum(SIGNING_ALGORITHMS),
  spki: base64Schema(32, 200),
});
export type SigningPublicKey = z.infer<typeof signingPublicKeySchema>;

export interface SigningKeyPair {
  readonly publicKey: SigningPublicKey;
  /** Secret: never log it, never send it. */
  readonly privateKey: KeyObject;
}

function algorithmOf(key: KeyObject): SigningAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

export function generateSigningKeyPair(alg: SigningAlgorithm): SigningKeyPair {
  const { privateKey } =
    alg === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { publicKey: signingPublicKeyOf(privateKey), privateKey };
}

/** The canonical public form of a signing key (private or public `KeyObject`). */
export function signingPublicKeyOf(key: KeyObject): SigningPublicKey {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const alg = algorithmOf(publicKey);
  if (alg === undefined) {
    throw new ProtocolError('KEY_INVALID', 'signing keys must be Ed25519 or ECDSA P-256');
  }
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { alg, spki: spki.toString('base64') };
}

/** A signing public key imported and checked: what signature checks use, and what a worker thread can be handed. */
export interface ImportedSigningKey {
  readonly alg: SigningAlgorithm;
  readonly key: KeyObject;
  /** Ed25519 only: the raw 32-byte key, for libsodium's verification. */
  readonly raw: Uint8Array | undefined;
}

/**
 * Keys already imported and checked, by `alg:spki` (strings, so an entry cannot change under us). Every signature
 * check imports its key, and parsing SPKI DER twice (import, then export to check the form) cost twice the Ed25519
 * verification itself. Bounded: the oldest entry goes first.
 */
const importedKeys = new Map<string, ImportedSigningKey>();
const MAX_IMPORTED_KEYS = 4096;

/** Imports and checks a signing public key: SPKI parses, matches `alg`, and is in canonical form (cached). */
export function importedSigningKeyOf(spec: SigningPublicKey): ImportedSigningKey {
  const cacheKey = `${spec.alg}:${spec.spki}`;
  const known = importedKeys.get(cacheKey);
  if (known !== undefined) return known;
  const key = importUncached(spec);
  const imported: ImportedSigningKey = {
    alg: spec.alg,
    key,
    raw: spec.alg === 'Ed25519' ? rawEd25519PublicKey(key) : undefined,
  };
  if (importedKeys.size >= MAX_IMPORTED_KEYS) {
    const oldest = importedKeys.keys().next().value;
    if (oldest !== undefined) importedKeys.delete(oldest);
  }
  importedKeys.set(cacheKey, imported);
  return imported;
}

/** `importedSigningKeyOf`'s node key alone. A bad key is `KEY_INVALID`. */
export function importSigningPublicKey(spec: SigningPublicKey): KeyObject {
  return importedSigningKeyOf(spec).key;
}

function rawEd25519PublicKey(key: KeyObject): Uint8Array {
  const { x } = key.export({ format: 'jwk' });
  if (typeof x !== 'string')
    throw new ProtocolError('KEY_INVALID', 'signing public key has no Ed25519 point');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

function importUncached(spec: SigningPublicKey): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spec.spki, 'base64'), format: 'der', type: 'spki' });
  } catch (error) {
    throw new ProtocolError('KEY_INVALID', 'signing public key is not a valid SPKI DER structure', {
      cause: error,
    });
  }
  if (algorithmOf(key) !== spec.alg) {
    throw new ProtocolError('KEY_INVALID', `signing public key is not an ${spec.alg} key`);
  }
  if (key.export({ format: 'der', type: 'spki' }).toString('base64') !== spec.spki) {
    throw new ProtocolError(
      'KEY_INVALID',
      'signing public key is not in canonical form (use uncompressed SPKI DER)',
    );
  }
  return key;
}

/** PKCS#8 DER of a signing private key, for the holder's own storage. Secret. */
export function exportSigningPrivateKey(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
}

export function importSigningPrivateKey(pkcs8: Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  } catch (error) {
    throw new ProtocolError('KEY_INVALID', 'signing private key is not valid PKCS#8 DER', { cause: error });
  }
  if (algorithmOf(key) === undefined) {
    throw new ProtocolError('KEY_INVALID', 'signing keys must be Ed25519 or ECDSA P-256');
  }
  return key;
}
