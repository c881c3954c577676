import { ContentInfo, EnvelopedData, type KeyTransRecipientInfo } from '@peculiar/asn1-cms';
import { RsaEsOaepParams } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { CmsError } from '../errors.js';
import { BerFormatError, berChildren, readSingleBerElement } from './ber.js';
import { OID } from './oids.js';

/**
 * The parts of a KMS `CiphertextForRecipient` needed to open it. KMS sends exactly one shape (see the real
 * vector in ../shared/vectors/kms): ContentInfo / EnvelopedData v2, one KeyTransRecipientInfo v2 identified by a
 * 32-byte subjectKeyIdentifier, RSAES-OAEP (SHA-256, MGF1-SHA-256, empty label), AES-256-CBC with a 16-byte IV.
 * Anything else is refused, so that a change on the KMS side is noticed rather than half-understood.
 */
export interface KmsEnvelope {
  readonly subjectKeyIdentifier: Uint8Array;
  /** The content-encryption key, RSAES-OAEP encrypted to the recipient's public key. */
  readonly encryptedKey: Uint8Array;
  readonly iv: Uint8Array;
  /** AES-256-CBC ciphertext with PKCS#7 padding; BER chunks already joined. */
  readonly encryptedContent: Uint8Array;
}

/** Far above what KMS returns (4 KiB of plaintext plus ~500 bytes of envelope). */
export const MAX_ENVELOPE_BYTES = 64 * 1024;
export const SUBJECT_KEY_IDENTIFIER_BYTES = 32;
const CMS_VERSION_2 = 2;
const AES_BLOCK = 16;
const EMPTY_OCTET_STRING = '0400';

function malformed(message: string, cause?: unknown): CmsError {
  return new CmsError('CMS_MALFORMED', `CiphertextForRecipient is malformed: ${message}`, { cause });
}

function unsupported(message: string): CmsError {
  return new CmsError(
    'CMS_UNSUPPORTED',
    `CiphertextForRecipient is not the envelope KMS sends to a Nitro enclave: ${message}`,
  );
}

function bytesOf(buffer: ArrayBuffer): Uint8Array {
  return new Uint8Array(buffer);
}

function parse<T>(bytes: ArrayBuffer | Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnConvert.parse(bytes, type);
  } catch (cause) {
    throw malformed(`${what} does not parse`, cause);
  }
}

/** `parameters` absent or NULL: how SHA-256 may appear in an AlgorithmIdentifier. */
function isSha256(algorithm: AlgorithmIdentifier): boolean {
  return algorithm.algorithm === OID.sha256 && (algorithm.parameters ?? null) === null;
}

function checkKeyEncryption(recipient: KeyTransRecipientInfo): void {
  const algorithm = recipient.keyEncryptionAlgorithm;
  if (algorithm.algorithm !== OID.rsaesOaep) {
    throw unsupported(`key encryption ${algorithm.algorithm} instead of RSAES-OAEP`);
  }
  // Absent RSAES-OAEP parameters mean SHA-1 (RFC 8017 A.2.1); KMS always states SHA-256.
  if (!algorithm.parameters) throw unsupported('RSAES-OAEP without parameters (SHA-1)');
  const params = parse(algorithm.parameters, RsaEsOaepParams, 'RSAES-OAEP parameters');
  if (!isSha256(params.hashAlgorithm)) throw unsupported('RSAES-OAEP hash is not SHA-256');
  if (params.maskGenAlgorithm.algorithm !== OID.mgf1 || !params.maskGenAlgorithm.parameters) {
    throw unsupported('RSAES-OAEP mask generation is not MGF1');
  }
  const mgfHash = parse(params.maskGenAlgorithm.parameters, AlgorithmIdentifier, 'MGF1 parameters');
  if (!isSha256(mgfHash)) throw unsupported('MGF1 hash is not SHA-256');
  if (hasExplicitLabel(new Uint8Array(algorithm.parameters))) {
    // The parser fills in a default when pSourceAlgorithm is absent, so only an explicit one is looked at.
    const label = params.pSourceAlgorithm;
    const empty = label.parameters && Buffer.from(label.parameters).toString('hex') === EMPTY_OCTET_STRING;
    if (label.algorithm !== OID.pSpecified || !empty) throw unsupported('RSAES-OAEP label is not empty');
  }
}

/** RSAES-OAEP-params carries pSourceAlgorithm ([2]); absent means the empty label. */
function hasExplicitLabel(params: Uint8Array): boolean {
  const PSOURCE_TAG = 0xa2;
  try {
    return berChildren(params, readSingleBerElement(params)).some((field) => field.tag === PSOURCE_TAG);
  } catch (cause) {
    throw malformed('RSAES-OAEP parameters are not well-formed', cause);
  }
}

function onlyRecipient(envelope: EnvelopedData): KeyTransRecipientInfo {
  if (envelope.recipientInfos.length !== 1) {
    throw unsupported(`${envelope.recipientInfos.length} recipients instead of one`);
  }
  const recipient = envelope.recipientInfos[0]?.ktri;
  if (!recipient) throw unsupported('the recipient is not a KeyTransRecipientInfo');
  if (recipient.version !== CMS_VERSION_2) {
    throw unsupported(`KeyTransRecipientInfo version ${recipient.version} instead of 2`);
  }
  return recipient;
}

function recipientKeyIdentifier(recipient: KeyTransRecipientInfo): Uint8Array {
  const ski = recipient.rid.subjectKeyIdentifier;
  if (!ski || recipient.rid.issuerAndSerialNumber) {
    throw unsupported('the recipient is not identified by a subjectKeyIdentifier');
  }
  const bytes = bytesOf(ski.buffer);
  if (bytes.byteLength !== SUBJECT_KEY_IDENTIFIER_BYTES) {
    throw unsupported(`subjectKeyIdentifier of ${bytes.byteLength} bytes instead of 32`);
  }
  return bytes;
}

function encryptedContentOf(envelope: EnvelopedData): { iv: Uint8Array; encryptedContent: Uint8Array } {
  const info = envelope.encryptedContentInfo;
  if (info.contentType !== OID.data) throw unsupported(`content type ${info.contentType} instead of id-data`);
  const algorithm = info.contentEncryptionAlgorithm;
  if (algorithm.algorithm !== OID.aes256Cbc) {
    throw unsupported(`content encryption ${algorithm.algorithm} instead of AES-256-CBC`);
  }
  if (!algorithm.parameters) throw malformed('AES-256-CBC without an IV');
  const iv = bytesOf(parse(algorithm.parameters, OctetString, 'AES-256-CBC IV').buffer);
  if (iv.byteLength !== AES_BLOCK) throw malformed(`IV of ${iv.byteLength} bytes instead of 16`);
  const content = info.encryptedContent;
  // [0] IMPLICIT OCTET STRING: primitive, or constructed from OCTET STRING chunks (BER); KMS has sent both.
  const chunks = content?.value ? [content.value] : (content?.constructedValue ?? []);
  const encryptedContent = new Uint8Array(Buffer.concat(chunks.map((chunk) => bytesOf(chunk.buffer))));
  if (encryptedContent.byteLength === 0 || encryptedContent.byteLength % AES_BLOCK !== 0) {
    throw malformed(`encrypted content of ${encryptedContent.byteLength} bytes is not whole AES blocks`);
  }
  return { iv, encryptedContent };
}

/** Parses and checks a `CiphertextForRecipient`; throws `CmsError` (`CMS_MALFORMED`, `CMS_UNSUPPORTED`). */
export function parseKmsEnvelope(bytes: Uint8Array): KmsEnvelope {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) {
    throw malformed(`${bytes.byteLength} bytes, more than ${MAX_ENVELOPE_BYTES}`);
  }
  try {
    readSingleBerElement(bytes);
  } catch (cause) {
    if (cause instanceof BerFormatError) throw malformed(cause.message, cause);
    throw cause;
  }
  const contentInfo = parse(bytes, ContentInfo, 'ContentInfo');
  if (contentInfo.contentType !== OID.envelopedData) {
    throw unsupported(`content type ${contentInfo.contentType} instead of id-envelopedData`);
  }
  const envelope = parse(contentInfo.content, EnvelopedData, 'EnvelopedData');
  if (envelope.version !== CMS_VERSION_2) {
    throw unsupported(`EnvelopedData version ${envelope.version} instead of 2`);
  }
  if (envelope.originatorInfo || envelope.unprotectedAttrs) {
    throw unsupported('EnvelopedData carries originatorInfo or unprotectedAttrs');
  }
  const recipient = onlyRecipient(envelope);
  const subjectKeyIdentifier = recipientKeyIdentifier(recipient);
  checkKeyEncryption(recipient);
  return {
    subjectKeyIdentifier,
    encryptedKey: bytesOf(recipient.encryptedKey.buffer),
    ...encryptedContentOf(envelope),
  };
}
