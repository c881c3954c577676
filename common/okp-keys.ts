/**
 * Ed25519 and X25519 keys as their RFC 8410 encodings lay them out, and private keys made by importing 32 random
 * bytes, never by node's key generator. Node 20 deadlocks when a garbage collection runs while it exports an
 * Ed25519/X25519 key (JWK export holds the key's mutex while it allocates) and that collection frees the generator
 * job that made the same key (whose destructor takes that mutex): a process froze that way under load, every
 * thread waiting. Imported keys have no such job.
 */
import { createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';

export type OkpKeyType = 'ed25519' | 'x25519';

/** Bytes of every Ed25519 and X25519 key. */
export const OKP_KEY_BYTES = 32;
/** SubjectPublicKeyInfo: 12 bytes of header (the algorithm OID), then the key. */
export const OKP_SPKI_HEADER_BYTES = 12;

/** PKCS#8 PrivateKeyInfo up to the 32-byte key: the algorithm OID is the only difference. */
const PKCS8_PREFIX: Readonly<Record<OkpKeyType, Buffer>> = {
  ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
  x25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
};
/** PKCS#8 header bytes before the key (the same length for both types). */
export const OKP_PKCS8_HEADER_BYTES = PKCS8_PREFIX.x25519.length;

/** The private key whose raw bytes are `raw` (imported as PKCS#8; the encoding is zeroed after). */
export function okpPrivateKeyFromRaw(type: OkpKeyType, raw: Uint8Array): KeyObject {
  const der = Buffer.concat([PKCS8_PREFIX[type], raw]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/** A fresh private key of `type` from 32 random bytes (zeroed once imported). */
export function generateOkpPrivateKey(type: OkpKeyType): KeyObject {
  const seed = randomBytes(OKP_KEY_BYTES);
  try {
    return okpPrivateKeyFromRaw(type, seed);
  } finally {
    seed.fill(0);
  }
}
