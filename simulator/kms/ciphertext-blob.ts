import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonicalEncryptionContext, type EncryptionContext } from './encryption-context.js';

/**
 * The simulator's `CiphertextBlob`: opaque to clients, as KMS's is, and authenticated.
 *
 *   version (1) | key id (16, the UUID's bytes) | IV (12) | AES-256-GCM ciphertext | tag (16)
 *
 * The GCM additional data binds the version, the key id and the canonical encryption context, so a blob
 * presented with another context, or re-labelled with another key id, does not open.
 */

const VERSION = 0x01;
const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES;
const AAD_LABEL = Buffer.from('nitro-mpc kms-simulator ciphertext v1', 'utf8');

function keyIdBytes(keyId: string): Buffer {
  return Buffer.from(keyId.replace(/-/g, ''), 'hex');
}

function keyIdText(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function additionalData(header: Uint8Array, context: EncryptionContext | undefined): Buffer {
  return Buffer.concat([
    AAD_LABEL,
    header.subarray(0, 1 + KEY_ID_BYTES),
    canonicalEncryptionContext(context),
  ]);
}

export interface SealInput {
  readonly keyId: string;
  readonly material: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly encryptionContext: EncryptionContext | undefined;
}

export function sealCiphertextBlob(input: SealInput): Uint8Array {
  const header = Buffer.concat([Buffer.of(VERSION), keyIdBytes(input.keyId), randomBytes(IV_BYTES)]);
  const cipher = createCipheriv('aes-256-gcm', input.material, header.subarray(1 + KEY_ID_BYTES));
  cipher.setAAD(additionalData(header, input.encryptionContext));
  const body = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([header, body, cipher.getAuthTag()]));
}

/** The key id a blob claims to belong to, or undefined when the bytes are not a blob of this format. */
export function ciphertextBlobKeyId(blob: Uint8Array): string | undefined {
  if (blob.byteLength < HEADER_BYTES + TAG_BYTES || blob[0] !== VERSION) return undefined;
  return keyIdText(blob.subarray(1, 1 + KEY_ID_BYTES));
}

/** The plaintext, or undefined when the blob does not authenticate under this key and context. */
export function openCiphertextBlob(
  blob: Uint8Array,
  material: Uint8Array,
  encryptionContext: EncryptionContext | undefined,
): Uint8Array | undefined {
  if (ciphertextBlobKeyId(blob) === undefined) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(1 + KEY_ID_BYTES, HEADER_BYTES));
  decipher.setAAD(additionalData(blob, encryptionContext));
  decipher.setAuthTag(blob.subarray(blob.byteLength - TAG_BYTES));
  try {
    const body = blob.subarray(HEADER_BYTES, blob.byteLength - TAG_BYTES);
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  } catch {
    return undefined;
  }
}
