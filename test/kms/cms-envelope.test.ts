import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKmsEnvelope } from '../../enclave/kms/cms/kms-envelope.js';
import { openKmsEnvelope } from '../../enclave/kms/cms/open-envelope.js';
import { RecipientKeyPair } from '../../enclave/kms/recipient-key-pair.js';
import { encodeKmsEnvelope, sealForRecipient } from '../../simulator/kms/recipient/kms-envelope.js';
import { hasOpenssl, openssl } from './support/openssl.js';

interface Recipient {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyDer: Uint8Array;
}

function newRecipient(): Recipient {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    publicKeyDer: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
  };
}

const codeOf = (run: () => unknown): string => {
  try {
    run();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};

describe('enclave CMS decryptor on envelopes the simulator makes', () => {
  let recipient: Recipient;
  beforeAll(() => {
    recipient = newRecipient();
  });

  it('opens what sealForRecipient sealed, for every length KMS returns', () => {
    for (const length of [1, 15, 16, 17, 32, 1024, 4096]) {
      const plaintext = new Uint8Array(length).map((_, i) => (i * 7 + length) & 0xff);
      const envelope = sealForRecipient(plaintext, recipient);
      expect(Buffer.from(openKmsEnvelope(envelope, recipient)), `length ${length}`).toEqual(
        Buffer.from(plaintext),
      );
    }
  });

  it('opens through RecipientKeyPair, whose private key never leaves it', async () => {
    const keyPair = await RecipientKeyPair.generate();
    const publicKey = createPublicKey({
      key: Buffer.from(keyPair.publicKeyDer),
      format: 'der',
      type: 'spki',
    });
    expect(publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const envelope = sealForRecipient(Buffer.from('data key'), {
      publicKey,
      publicKeyDer: keyPair.publicKeyDer,
    });
    expect(Buffer.from(keyPair.open(envelope)).toString()).toBe('data key');
    expect(JSON.stringify(keyPair)).not.toMatch(/PRIVATE/);
  });

  it('names the recipient by SHA-256 of its SubjectPublicKeyInfo DER', () => {
    const envelope = parseKmsEnvelope(sealForRecipient(Uint8Array.of(1), recipient));
    const expected = createHash('sha256').update(recipient.publicKeyDer).digest();
    expect(Buffer.from(envelope.subjectKeyIdentifier)).toEqual(expected);
  });

  it('also accepts SHA-256 of the bare public key bits as the identifier, and nothing else', () => {
    const sealed = parseKmsEnvelope(sealForRecipient(Buffer.from('k'), recipient));
    const keyBits = new Uint8Array(
      AsnConvert.parse(recipient.publicKeyDer, SubjectPublicKeyInfo).subjectPublicKey,
    );
    const bitsIdentifier = createHash('sha256').update(keyBits).digest();
    const withIdentifier = (subjectKeyIdentifier: Uint8Array) =>
      encodeKmsEnvelope({ ...sealed, subjectKeyIdentifier });
    expect(Buffer.from(openKmsEnvelope(withIdentifier(bitsIdentifier), recipient)).toString()).toBe('k');
    expect(codeOf(() => openKmsEnvelope(withIdentifier(new Uint8Array(32).fill(7)), recipient))).toBe(
      'CMS_RECIPIENT_MISMATCH',
    );
  });

  it('refuses an envelope sealed to another key that claims to be for this one', () => {
    const other = newRecipient();
    const sealed = parseKmsEnvelope(sealForRecipient(Buffer.from('secret'), other));
    const ours = parseKmsEnvelope(sealForRecipient(Buffer.from('x'), recipient));
    const relabelled = encodeKmsEnvelope({ ...sealed, subjectKeyIdentifier: ours.subjectKeyIdentifier });
    expect(codeOf(() => openKmsEnvelope(relabelled, recipient))).toBe('CMS_DECRYPT_FAILED');
  });

  it('refuses a tampered encrypted key and tampered content (padding no longer PKCS#7)', () => {
    const sealed = parseKmsEnvelope(sealForRecipient(new Uint8Array(15).fill(0x61), recipient));
    const encryptedKey = new Uint8Array(sealed.encryptedKey);
    encryptedKey[100] = (encryptedKey[100] as number) ^ 1;
    expect(codeOf(() => openKmsEnvelope(encodeKmsEnvelope({ ...sealed, encryptedKey }), recipient))).toBe(
      'CMS_DECRYPT_FAILED',
    );
    // One block: the IV's last byte XORs the padding byte, 0x01 becomes 0x03, which the three last bytes are not.
    const iv = new Uint8Array(sealed.iv);
    iv[15] = (iv[15] as number) ^ 0x02;
    expect(codeOf(() => openKmsEnvelope(encodeKmsEnvelope({ ...sealed, iv }), recipient))).toBe(
      'CMS_DECRYPT_FAILED',
    );
  });
});

describe.skipIf(!hasOpenssl())(
  'openssl cms opens what the simulator seals (an independent implementation)',
  () => {
    let directory: string;
    let recipient: Recipient;
    const plaintext = Buffer.from('0123456789abcdef0123456789abcdef');

    beforeAll(() => {
      directory = mkdtempSync(join(tmpdir(), 'nitro-mpc-cms-'));
      recipient = newRecipient();
      writeFileSync(
        join(directory, 'key.pem'),
        recipient.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      );
      writeFileSync(join(directory, 'envelope.der'), sealForRecipient(plaintext, recipient));
    });
    afterAll(() => rmSync(directory, { recursive: true, force: true }));

    const decrypt = (...extra: string[]) =>
      openssl([
        'cms',
        '-decrypt',
        '-inform',
        'DER',
        '-in',
        join(directory, 'envelope.der'),
        '-inkey',
        join(directory, 'key.pem'),
        '-binary',
        ...extra,
      ]);

    /** A self-signed certificate for the recipient key whose subjectKeyIdentifier extension is `ski`. */
    const certificateWith = (name: string, ski: Uint8Array): string => {
      const path = join(directory, name);
      const hex = Buffer.from(ski).toString('hex').match(/../g)?.join(':') ?? '';
      openssl(
        [
          'req',
          '-x509',
          '-new',
          '-key',
          join(directory, 'key.pem'),
          '-subj',
          '/CN=enclave',
          '-days',
          '1',
        ].concat(['-addext', `subjectKeyIdentifier=${hex}`, '-out', path]),
      );
      return path;
    };

    it('decrypts with the private key alone', () => {
      expect(decrypt()).toEqual(plaintext);
    });

    it('matches the recipient by subjectKeyIdentifier, SHA-256 of the SubjectPublicKeyInfo DER', () => {
      const ski = createHash('sha256').update(recipient.publicKeyDer).digest();
      expect(decrypt('-recip', certificateWith('right.pem', ski))).toEqual(plaintext);
      expect(() => decrypt('-recip', certificateWith('wrong.pem', new Uint8Array(32).fill(1)))).toThrow();
    });
  },
);
