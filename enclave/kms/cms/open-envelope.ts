import { constants, createDecipheriv, type KeyObject, privateDecrypt } from 'node:crypto';
import { bytesEqual, bytesToHex } from '../../../common/bytes.js';
import { CmsError } from '../errors.js';
import { type KmsEnvelope, parseKmsEnvelope } from './kms-envelope.js';
import { acceptedSubjectKeyIdentifiers } from './subject-key-identifier.js';

/** The enclave's side of the envelope: its RSA private key and the SubjectPublicKeyInfo DER it attested. */
export interface EnvelopeRecipient {
  readonly privateKey: KeyObject;
  readonly publicKeyDer: Uint8Array;
}

const AES_256_KEY_BYTES = 32;
const AES_BLOCK = 16;

function decryptFailed(message: string, cause?: unknown): CmsError {
  return new CmsError('CMS_DECRYPT_FAILED', `CiphertextForRecipient does not decrypt: ${message}`, { cause });
}

function checkAddressedTo(envelope: KmsEnvelope, recipient: EnvelopeRecipient): void {
  const accepted = acceptedSubjectKeyIdentifiers(recipient.publicKeyDer);
  if (accepted.some((ski) => bytesEqual(ski, envelope.subjectKeyIdentifier))) return;
  throw new CmsError(
    'CMS_RECIPIENT_MISMATCH',
    'CiphertextForRecipient is addressed to another key: its subjectKeyIdentifier is not derived from this ' +
      "enclave's public key (was the attestation document made with another key pair?)",
    { details: { subjectKeyIdentifier: bytesToHex(envelope.subjectKeyIdentifier) } },
  );
}

function unwrapContentKey(envelope: KmsEnvelope, privateKey: KeyObject): Buffer {
  const modulusBits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (privateKey.asymmetricKeyType !== 'rsa' || modulusBits === undefined) {
    throw new TypeError('the recipient private key must be an RSA key');
  }
  if (envelope.encryptedKey.byteLength !== modulusBits / 8) {
    throw decryptFailed(
      `encrypted key of ${envelope.encryptedKey.byteLength} bytes for a ${modulusBits}-bit key`,
    );
  }
  let key: Buffer;
  try {
    key = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      envelope.encryptedKey,
    );
  } catch (cause) {
    throw decryptFailed('RSAES-OAEP rejects the encrypted key', cause);
  }
  if (key.byteLength !== AES_256_KEY_BYTES) {
    key.fill(0);
    throw decryptFailed('the content-encryption key is not 32 bytes');
  }
  return key;
}

/** Strips PKCS#7 padding (RFC 5652 §6.3), checking every padding byte. */
function unpad(padded: Buffer): Uint8Array {
  const count = padded[padded.byteLength - 1] ?? 0;
  let bad = count === 0 || count > AES_BLOCK ? 1 : 0;
  for (let i = 1; i <= AES_BLOCK; i++) {
    const byte = padded[padded.byteLength - i] ?? 0;
    if (i <= count && byte !== count) bad = 1;
  }
  if (bad) throw decryptFailed('bad PKCS#7 padding (wrong key or tampered content)');
  return new Uint8Array(padded.subarray(0, padded.byteLength - count));
}

/**
 * Opens a KMS `CiphertextForRecipient`: checks its shape and that it is addressed to `recipient`, unwraps the
 * content-encryption key with RSAES-OAEP-SHA256 and decrypts AES-256-CBC. Returns the plaintext (a data key or
 * decrypted data: the caller owns it and should zero it after use). Throws `CmsError`.
 */
export function openKmsEnvelope(bytes: Uint8Array, recipient: EnvelopeRecipient): Uint8Array {
  const envelope = parseKmsEnvelope(bytes);
  checkAddressedTo(envelope, recipient);
  const key = unwrapContentKey(envelope, recipient.privateKey);
  let padded: Buffer | undefined;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, envelope.iv).setAutoPadding(false);
    padded = Buffer.concat([decipher.update(envelope.encryptedContent), decipher.final()]);
    return unpad(padded);
  } finally {
    key.fill(0);
    padded?.fill(0);
  }
}
