import {
  constants,
  createCipheriv,
  createHash,
  type KeyObject,
  publicEncrypt,
  randomBytes,
} from 'node:crypto';
import { definite, indefinite, TAG } from './ber-writer.js';

/**
 * Builds `CiphertextForRecipient` byte for byte in the shape KMS returns (see ../shared/vectors/kms and
 * `openssl asn1parse -inform DER -i` of it):
 *
 *   ContentInfo SEQUENCE (indefinite) { id-envelopedData, [0] (indefinite) {
 *     EnvelopedData SEQUENCE (indefinite) { version 2,
 *       recipientInfos SET (definite) { KeyTransRecipientInfo SEQUENCE { version 2,
 *         rid [0] subjectKeyIdentifier (32 bytes),
 *         RSAES-OAEP { [0] sha256 NULL, [1] mgf1 { sha256 NULL } }, encryptedKey OCTET STRING } },
 *       EncryptedContentInfo SEQUENCE (indefinite) { id-data, aes256-CBC { IV OCTET STRING },
 *         [0] (constructed, indefinite) { OCTET STRING ciphertext } } } } }
 */

/** Full OBJECT IDENTIFIER encodings (tag, length, value), as they appear in KMS's envelope. */
const OID_DER = {
  envelopedData: Buffer.from('06092a864886f70d010703', 'hex'),
  data: Buffer.from('06092a864886f70d010701', 'hex'),
  rsaesOaep: Buffer.from('06092a864886f70d010107', 'hex'),
  mgf1: Buffer.from('06092a864886f70d010108', 'hex'),
  sha256: Buffer.from('0609608648016503040201', 'hex'),
  aes256Cbc: Buffer.from('060960864801650304012a', 'hex'),
} as const;

const NULL = Uint8Array.of(0x05, 0x00);
const VERSION_2 = Uint8Array.of(TAG.integer, 0x01, 0x02);
const CEK_BYTES = 32;
const IV_BYTES = 16;

export interface KmsEnvelopeParts {
  readonly subjectKeyIdentifier: Uint8Array;
  readonly encryptedKey: Uint8Array;
  readonly iv: Uint8Array;
  readonly encryptedContent: Uint8Array;
}

/** Encodes already-encrypted parts; `sealForRecipient` is the usual entry point. */
export function encodeKmsEnvelope(parts: KmsEnvelopeParts): Uint8Array {
  const sha256 = definite(TAG.sequence, OID_DER.sha256, NULL);
  const oaepParams = definite(
    TAG.sequence,
    definite(TAG.context0Constructed, sha256),
    definite(TAG.context1Constructed, definite(TAG.sequence, OID_DER.mgf1, sha256)),
  );
  const recipientInfo = definite(
    TAG.sequence,
    VERSION_2,
    definite(TAG.context0, parts.subjectKeyIdentifier),
    definite(TAG.sequence, OID_DER.rsaesOaep, oaepParams),
    definite(TAG.octetString, parts.encryptedKey),
  );
  const encryptedContentInfo = indefinite(
    TAG.sequence,
    OID_DER.data,
    definite(TAG.sequence, OID_DER.aes256Cbc, definite(TAG.octetString, parts.iv)),
    indefinite(TAG.context0Constructed, definite(TAG.octetString, parts.encryptedContent)),
  );
  const envelopedData = indefinite(
    TAG.sequence,
    VERSION_2,
    definite(TAG.set, recipientInfo),
    encryptedContentInfo,
  );
  return indefinite(TAG.sequence, OID_DER.envelopedData, indefinite(TAG.context0Constructed, envelopedData));
}

/**
 * How the simulator names the recipient: SHA-256 of the SubjectPublicKeyInfo DER from the attestation document
 * (32 bytes, like KMS's; RFC 7093 §2 method 4).
 */
export function recipientKeyIdentifier(publicKeyDer: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(publicKeyDer).digest());
}

export interface EnvelopeRecipientKey {
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER exactly as the attestation document carries it. */
  readonly publicKeyDer: Uint8Array;
}

/** Encrypts `plaintext` to the recipient: fresh AES-256 key and IV, RSAES-OAEP-SHA256 key transport. */
export function sealForRecipient(plaintext: Uint8Array, recipient: EnvelopeRecipientKey): Uint8Array {
  const contentKey = randomBytes(CEK_BYTES);
  const iv = randomBytes(IV_BYTES);
  try {
    const cipher = createCipheriv('aes-256-cbc', contentKey, iv);
    const encryptedContent = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const encryptedKey = publicEncrypt(
      { key: recipient.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      contentKey,
    );
    return encodeKmsEnvelope({
      subjectKeyIdentifier: recipientKeyIdentifier(recipient.publicKeyDer),
      encryptedKey,
      iv,
      encryptedContent,
    });
  } finally {
    contentKey.fill(0);
  }
}
