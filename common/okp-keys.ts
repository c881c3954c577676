/**
 * Ed25519 and X25519 private keys made by importing 32 random bytes, never by node's key generator. Node 20
 * deadlocks when a garbage collection runs while it exports an Ed25519/X25519 key (JWK export holds the key's
 * mutex while it allocates) and that collection frees the generator job that made the same key (whose destructor
 * takes that mutex): a process froze that way under load, every thread waiting. Imported keys have no such job.
 */
import { createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';

/** PKCS#8 PrivateKeyInfo up to the 32-byte key (RFC 8410): the algorithm OID is the only difference. */
const PKCS8_PREFIX = {
  ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
  x25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
} as const;

/** A fresh private key of `type` from 32 random bytes (the raw key, zeroed once imported). */
export function generateOkpPrivateKey(type: keyof typeof PKCS8_PREFIX): KeyObject {
  const seed = randomBytes(32);
  const der = Buffer.concat([PKCS8_PREFIX[type], seed]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    seed.fill(0);
    der.fill(0);
  }
}
