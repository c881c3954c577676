import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKmsEnvelope } from '../../enclave/kms/cms/kms-envelope.js';
import { CmsError } from '../../enclave/kms/errors.js';
import { RecipientKeyPair } from '../../enclave/kms/recipient-key-pair.js';
import { definite } from '../../simulator/kms/recipient/ber-writer.js';
import { encodeKmsEnvelope } from '../../simulator/kms/recipient/kms-envelope.js';
import { realCiphertextForRecipient, realVectorFields } from './support/vectors.js';

/** Offsets in the real vector, from `openssl asn1parse -inform DER -i`. */
const AT = {
  envelopedDataOidLastByte: 12,
  envelopedDataVersion: 19,
  recipientSet: 20,
  recipientInfo: 24,
  recipientVersion: 30,
  keyEncryptionAlgorithm: 65,
  oaepHashField: 80,
  oaepMgfField: 97,
  oaepHashOidLastByte: 94,
  mgfHashOidLastByte: 124,
  encryptedKey: 127,
  encryptedContentInfo: 387,
  dataOidLastByte: 399,
  aesOidLastByte: 412,
  encryptedContentField: 431,
  encryptedContentChunk: 433,
  encryptedContentEnd: 483,
} as const;

const vector = realCiphertextForRecipient();
const fields = realVectorFields();
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const slice = (from: number, to?: number): Uint8Array => vector.subarray(from, to);

function mutate(offset: number, value: number): Uint8Array {
  const copy = new Uint8Array(vector);
  copy[offset] = value;
  return copy;
}

/** The vector with another KeyEncryptionAlgorithmIdentifier (lengths of the enclosing SET and SEQUENCE redone). */
function withKeyEncryptionAlgorithm(algorithm: Uint8Array): Uint8Array {
  const recipient = definite(
    0x30,
    slice(AT.recipientInfo + 4, AT.keyEncryptionAlgorithm),
    algorithm,
    slice(AT.encryptedKey, AT.encryptedContentInfo),
  );
  return concat(slice(0, AT.recipientSet), definite(0x31, recipient), slice(AT.encryptedContentInfo));
}

const RSAES_OAEP_OID = slice(67, 78);
const P_SPECIFIED_OID = Buffer.from('06092a864886f70d010109', 'hex');

function oaepWith(...params: Uint8Array[]): Uint8Array {
  return definite(0x30, RSAES_OAEP_OID, definite(0x30, ...params));
}

function codeOf(bytes: Uint8Array): string {
  try {
    parseKmsEnvelope(bytes);
    return 'ok';
  } catch (error) {
    if (error instanceof CmsError) return error.code;
    throw error;
  }
}

describe('CiphertextForRecipient parser on the real AWS KMS vector', () => {
  it('extracts the encrypted key, IV, content and recipient identifier', () => {
    const envelope = parseKmsEnvelope(vector);
    expect(Buffer.from(envelope.encryptedKey)).toEqual(Buffer.from(fields.encryptedKey));
    expect(Buffer.from(envelope.iv)).toEqual(Buffer.from(fields.iv));
    expect(Buffer.from(envelope.encryptedContent)).toEqual(Buffer.from(fields.encryptedContent));
    expect(Buffer.from(envelope.subjectKeyIdentifier)).toEqual(Buffer.from(fields.subjectKeyIdentifier));
    expect(envelope.encryptedKey).toHaveLength(256);
  });

  it('is reproduced byte for byte by the simulator encoder from those fields', () => {
    expect(Buffer.from(encodeKmsEnvelope(fields))).toEqual(Buffer.from(vector));
  });

  it('accepts the encrypted content as a primitive [0] and as several chunks (both BER forms KMS may use)', () => {
    const content = slice(AT.encryptedContentChunk + 2, AT.encryptedContentEnd);
    const primitive = concat(
      slice(0, AT.encryptedContentField),
      Uint8Array.of(0x80, content.byteLength),
      content,
      slice(AT.encryptedContentEnd + 2),
    );
    const chunked = concat(
      slice(0, AT.encryptedContentChunk),
      definite(0x04, content.subarray(0, 16)),
      definite(0x04, content.subarray(16)),
      slice(AT.encryptedContentEnd),
    );
    for (const variant of [primitive, chunked]) {
      expect(Buffer.from(parseKmsEnvelope(variant).encryptedContent)).toEqual(
        Buffer.from(fields.encryptedContent),
      );
    }
  });

  it('accepts an explicit empty OAEP label and hash parameters left out, which mean the same', () => {
    const emptyLabel = definite(0xa2, definite(0x30, P_SPECIFIED_OID, Uint8Array.of(0x04, 0x00)));
    const hashWithoutNull = definite(0xa0, definite(0x30, slice(84, 95)));
    expect(codeOf(withKeyEncryptionAlgorithm(oaepWith(slice(80, 97), slice(97, 127), emptyLabel)))).toBe(
      'ok',
    );
    expect(codeOf(withKeyEncryptionAlgorithm(oaepWith(hashWithoutNull, slice(97, 127))))).toBe('ok');
  });

  it.each([
    ['another content type than envelopedData', mutate(AT.envelopedDataOidLastByte, 0x02)],
    ['EnvelopedData version 0', mutate(AT.envelopedDataVersion, 0x00)],
    ['KeyTransRecipientInfo version 0', mutate(AT.recipientVersion, 0x00)],
    ['OAEP with SHA-384', mutate(AT.oaepHashOidLastByte, 0x02)],
    ['MGF1 with SHA-384', mutate(AT.mgfHashOidLastByte, 0x02)],
    ['content type other than id-data', mutate(AT.dataOidLastByte, 0x02)],
    ['AES-128-CBC', mutate(AT.aesOidLastByte, 0x02)],
    ['RSAES-OAEP without parameters (SHA-1)', withKeyEncryptionAlgorithm(definite(0x30, RSAES_OAEP_OID))],
    [
      'a non-empty OAEP label',
      withKeyEncryptionAlgorithm(
        oaepWith(
          slice(80, 97),
          slice(97, 127),
          definite(0xa2, definite(0x30, P_SPECIFIED_OID, Uint8Array.of(4, 1, 9))),
        ),
      ),
    ],
    [
      'two recipients',
      concat(
        slice(0, AT.recipientSet),
        definite(
          0x31,
          slice(AT.recipientInfo, AT.encryptedContentInfo),
          slice(AT.recipientInfo, AT.encryptedContentInfo),
        ),
        slice(AT.encryptedContentInfo),
      ),
    ],
    [
      'a 20-byte subjectKeyIdentifier',
      encodeKmsEnvelope({ ...fields, subjectKeyIdentifier: new Uint8Array(20) }),
    ],
  ])('refuses %s as CMS_UNSUPPORTED', (_what, bytes) => {
    expect(codeOf(bytes)).toBe('CMS_UNSUPPORTED');
  });

  it.each([
    ['a truncated envelope', slice(0, 300)],
    ['a byte after the envelope', concat(vector, Uint8Array.of(0))],
    [
      'content that is not whole AES blocks',
      encodeKmsEnvelope({ ...fields, encryptedContent: new Uint8Array(47) }),
    ],
    ['an 8-byte IV', encodeKmsEnvelope({ ...fields, iv: new Uint8Array(8) })],
    ['no envelope at all', Uint8Array.of(0x05, 0x00)],
  ])('refuses %s as CMS_MALFORMED', (_what, bytes) => {
    expect(codeOf(bytes)).toBe('CMS_MALFORMED');
  });

  it('throws nothing but CmsError when any byte of the vector changes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: vector.byteLength - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const bytes = mutate(at, (vector[at] as number) ^ xor);
          expect(['ok', 'CMS_MALFORMED', 'CMS_UNSUPPORTED']).toContain(codeOf(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('says the real envelope is addressed to another key than a fresh enclave key', async () => {
    const keyPair = await RecipientKeyPair.generate();
    expect(() => keyPair.open(vector)).toThrow(expect.objectContaining({ code: 'CMS_RECIPIENT_MISMATCH' }));
  });
});
