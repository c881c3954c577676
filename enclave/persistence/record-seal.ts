import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { encodeCbor } from '../../common/cbor/index.js';
import { PersistenceError } from './errors.js';

/** Format byte leading every sealed record: a later format gets a new one. */
const SEAL_FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_INFO = 'nitro-mpc/v1/state-seal-key';
const AAD_CONTEXT = 'nitro-mpc/v1/state-record';

/** The chain value before a session's first record. */
export const GENESIS_DIGEST = new Uint8Array(32);

/** Digest of a sealed record: the next record's seal is bound to it, so records cannot be dropped or reordered. */
export function recordDigest(sealed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(sealed).digest());
}

/**
 * Seals and opens one session's records. The key is derived from the enclave's seal key and the session id, and
 * every record's associated data names the session, its counter and the digest of the record before it: a record
 * moved to another session, another position or after another predecessor does not open.
 */
export class RecordSealer {
  private readonly key: Buffer;

  constructor(
    sealKey: Uint8Array,
    private readonly sessionId: Uint8Array,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', sealKey, sessionId, KEY_INFO, 32));
  }

  private aad(counter: number, previous: Uint8Array): Uint8Array {
    return encodeCbor([AAD_CONTEXT, this.sessionId, counter, previous]);
  }

  seal(counter: number, previous: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(this.aad(counter, previous));
    const body = cipher.update(plaintext);
    cipher.final();
    const sealed = Buffer.allocUnsafe(1 + NONCE_BYTES + body.byteLength + TAG_BYTES);
    sealed[0] = SEAL_FORMAT;
    nonce.copy(sealed, 1);
    body.copy(sealed, 1 + NONCE_BYTES);
    cipher.getAuthTag().copy(sealed, 1 + NONCE_BYTES + body.byteLength);
    return new Uint8Array(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  }

  open(counter: number, previous: Uint8Array, sealed: Uint8Array): Uint8Array {
    if (sealed.byteLength < 1 + NONCE_BYTES + TAG_BYTES) {
      throw new PersistenceError('STATE_ROLLBACK', `record ${counter} is too short to be a sealed record`);
    }
    if (sealed[0] !== SEAL_FORMAT) {
      throw new PersistenceError(
        'STATE_UNREADABLE',
        `record ${counter} has seal format ${sealed[0]}; this build reads format ${SEAL_FORMAT}`,
      );
    }
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 1 + NONCE_BYTES));
    decipher.setAAD(this.aad(counter, previous));
    decipher.setAuthTag(bytes.subarray(bytes.byteLength - TAG_BYTES));
    const body = decipher.update(bytes.subarray(1 + NONCE_BYTES, bytes.byteLength - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      body.fill(0);
      throw new PersistenceError(
        'STATE_ROLLBACK',
        `record ${counter} does not open as this session's record at this position: the parent altered it, ` +
          'moved it from another session or position, or it was sealed by another enclave image',
      );
    }
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }

  /** Forgets the derived key (the session was destroyed). */
  discard(): void {
    this.key.fill(0);
  }
}
