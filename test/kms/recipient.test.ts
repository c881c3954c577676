import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../common/bytes.js';
import { parseKmsEnvelope } from '../../enclave/kms/cms/kms-envelope.js';
import { EnclaveKmsClient, KmsClientError, RecipientKeyPair } from '../../enclave/kms/index.js';
import { type NitroLikeChain, nitroLikeChain, productionPcrs, signTestDocument } from '../helpers/pki.js';
import { berSkeleton } from './support/ber-skeleton.js';
import { hasOpenssl, openssl } from './support/openssl.js';
import { awsError, startTestKms, type TestKms } from './support/test-kms.js';
import { realCiphertextForRecipient } from './support/vectors.js';

const ALLOWED_SEED = 1;
const OTHER_SEED = 7;
const allowedPcr0 = bytesToHex(productionPcrs(ALLOWED_SEED).get(0) as Uint8Array);

/** An attestation document for `publicKey`, from the enclave whose PCRs `productionPcrs(seed)` gives. */
function document(chain: NitroLikeChain, publicKey: Uint8Array, seed = ALLOWED_SEED): Uint8Array {
  return signTestDocument({ chain, timestamp: Date.now(), pcrs: productionPcrs(seed), publicKey });
}

/** The document with its PCR0 bytes rewritten to the allowed value: what a parent forging a document would send. */
function forgedToAllowedPcr0(bytes: Uint8Array): Uint8Array {
  const from = Buffer.alloc(48, OTHER_SEED);
  const at = Buffer.from(bytes).indexOf(from);
  expect(at).toBeGreaterThan(0);
  const forged = new Uint8Array(bytes);
  forged.set(Buffer.alloc(48, ALLOWED_SEED), at);
  return forged;
}

describe('KMS Recipient flow: a key released only to the attested enclave', () => {
  let env: TestKms;
  let keyId: string;
  let keyPair: RecipientKeyPair;
  let enclave: EnclaveKmsClient;

  beforeAll(async () => {
    env = await startTestKms();
    const principal = { AWS: env.simulator.principalArn };
    // The parent's role may manage the key and encrypt; only the enclave image with PCR0 = allowedPcr0 may get
    // plaintext out, and only through a Recipient envelope.
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Administer and encrypt',
          Effect: 'Allow',
          Principal: principal,
          Action: [
            'kms:PutKeyPolicy',
            'kms:GetKeyPolicy',
            'kms:DescribeKey',
            'kms:Encrypt',
            'kms:GenerateDataKeyWithoutPlaintext',
          ],
          Resource: '*',
        },
        {
          Sid: 'Release to the attested enclave only',
          Effect: 'Allow',
          Principal: principal,
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:ImageSha384': allowedPcr0 } },
        },
      ],
    };
    const created = await env.kms.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
    keyId = created.KeyMetadata?.KeyId ?? '';
    keyPair = await RecipientKeyPair.generate();
    enclave = await EnclaveKmsClient.create({
      kms: env.kms,
      keyPair,
      attest: async (publicKey) => document(env.chain, publicKey),
    });
  });
  afterAll(async () => env.close());

  const recipient = (attestationDocument: Uint8Array) => ({
    AttestationDocument: attestationDocument,
    KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' as const,
  });

  it('releases a data key to a matching document: no Plaintext, a CiphertextForRecipient the enclave opens', async () => {
    const response = await env.kms.send(
      new GenerateDataKeyCommand({
        KeyId: keyId,
        KeySpec: 'AES_256',
        Recipient: recipient(document(env.chain, keyPair.publicKeyDer)),
      }),
    );
    expect(response.Plaintext).toBeUndefined();
    const dataKey = keyPair.open(response.CiphertextForRecipient ?? new Uint8Array());
    expect(dataKey).toHaveLength(32);
    // The parent cannot decrypt the stored blob itself; the enclave can, through another envelope.
    const parent = await awsError(
      env.kms.send(new DecryptCommand({ CiphertextBlob: response.CiphertextBlob })),
    );
    expect(parent.name).toBe('AccessDeniedException');
    const again = await enclave.decrypt({ ciphertextBlob: response.CiphertextBlob ?? new Uint8Array() });
    expect(Buffer.from(again.plaintext)).toEqual(Buffer.from(dataKey));
  });

  it('answers AccessDeniedException to a document with another PCR0', async () => {
    const error = await awsError(
      env.kms.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          KeySpec: 'AES_256',
          Recipient: recipient(document(env.chain, keyPair.publicKeyDer, OTHER_SEED)),
        }),
      ),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toMatch(
      /not authorized to perform: kms:GenerateDataKey .* because no resource-based policy allows/,
    );
  });

  it('answers AccessDeniedException to a tampered document, even one tampered into the allowed PCR0', async () => {
    const forged = forgedToAllowedPcr0(document(env.chain, keyPair.publicKeyDer, OTHER_SEED));
    const error = await awsError(
      env.kms.send(
        new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32, Recipient: recipient(forged) }),
      ),
    );
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toMatch(/ATTESTATION_BAD_SIGNATURE/);
    const signatureFlipped = document(env.chain, keyPair.publicKeyDer);
    signatureFlipped[signatureFlipped.length - 1] =
      (signatureFlipped[signatureFlipped.length - 1] as number) ^ 1;
    const flipped = await awsError(
      env.kms.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          NumberOfBytes: 32,
          Recipient: recipient(signatureFlipped),
        }),
      ),
    );
    expect(flipped.name).toBe('AccessDeniedException');
  });

  it('answers AccessDeniedException to a document signed by another root', async () => {
    const foreign = await nitroLikeChain(Date.now());
    const error = await awsError(
      env.kms.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          NumberOfBytes: 32,
          Recipient: recipient(document(foreign, keyPair.publicKeyDer)),
        }),
      ),
    );
    expect(error.name).toBe('AccessDeniedException');
    // Both test chains use the same subject names, so the verifier finds a path that then fails on signature.
    expect(error.message).toMatch(/ATTESTATION_(ROOT_UNTRUSTED|CHAIN_INVALID)/);
  });

  it('answers AccessDeniedException without a document: the condition key is absent', async () => {
    const error = await awsError(
      env.kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32 })),
    );
    expect(error.name).toBe('AccessDeniedException');
  });

  it('refuses a document without a public key: there is no one to encrypt to', async () => {
    const bare = signTestDocument({
      chain: env.chain,
      timestamp: Date.now(),
      pcrs: productionPcrs(ALLOWED_SEED),
    });
    const error = await awsError(
      env.kms.send(
        new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32, Recipient: recipient(bare) }),
      ),
    );
    expect(error.name).toBe('ValidationException');
  });

  it('decrypts into the enclave only: Encrypt by the parent, Decrypt with Recipient', async () => {
    const secret = Buffer.from('hospital A: 1234 patients');
    const { CiphertextBlob = new Uint8Array() } = await env.kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: secret, EncryptionContext: { session: 's1' } }),
    );
    const opened = await enclave.decrypt({
      ciphertextBlob: CiphertextBlob,
      encryptionContext: { session: 's1' },
    });
    expect(Buffer.from(opened.plaintext)).toEqual(secret);
    expect(opened.keyId).toMatch(new RegExp(`key/${keyId}$`));
    const wrongContext = await enclave
      .decrypt({ ciphertextBlob: CiphertextBlob, encryptionContext: { session: 's2' } })
      .catch((error: unknown) => error);
    expect(wrongContext).toBeInstanceOf(KmsClientError);
    expect(wrongContext).toMatchObject({ code: 'KMS_INVALID_CIPHERTEXT' });
  });

  it('gives the enclave client KMS_ACCESS_DENIED when its image is not the allowed one', async () => {
    const impostor = await EnclaveKmsClient.create({
      kms: env.kms,
      attest: async (publicKey) => document(env.chain, publicKey, OTHER_SEED),
    });
    const error = await impostor.generateDataKey({ keyId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsClientError);
    expect(error).toMatchObject({
      code: 'KMS_ACCESS_DENIED',
      details: { awsError: 'AccessDeniedException' },
    });
  });

  it('generates a data key in the enclave whose blob the parent stores (GenerateDataKeyWithoutPlaintext too)', async () => {
    const dataKey = await enclave.generateDataKey({ keyId, encryptionContext: { party: 'B' } });
    expect(dataKey.plaintext).toHaveLength(32);
    const reopened = await enclave.decrypt({
      ciphertextBlob: dataKey.ciphertextBlob,
      encryptionContext: { party: 'B' },
    });
    expect(Buffer.from(reopened.plaintext)).toEqual(Buffer.from(dataKey.plaintext));
    const stored = await env.kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, NumberOfBytes: 16 }),
    );
    const opened = await enclave.decrypt({ ciphertextBlob: stored.CiphertextBlob ?? new Uint8Array() });
    expect(opened.plaintext).toHaveLength(16);
    expect(await enclave.generateRandom(48)).toHaveLength(48);
  });

  it('answers in exactly the shape of the real KMS envelope', async () => {
    const response = await env.kms.send(
      new GenerateDataKeyCommand({
        KeyId: keyId,
        KeySpec: 'AES_256',
        Recipient: recipient(document(env.chain, keyPair.publicKeyDer)),
      }),
    );
    const ours = response.CiphertextForRecipient ?? new Uint8Array();
    const real = realCiphertextForRecipient();
    expect(berSkeleton(ours)).toEqual(berSkeleton(real));
    // Byte for byte the same, once the four per-message fields (identifier, encrypted key, IV, content) are blanked.
    const blanked = (bytes: Uint8Array): Buffer => {
      const fields = parseKmsEnvelope(bytes);
      const copy = Buffer.from(bytes);
      for (const part of [
        fields.subjectKeyIdentifier,
        fields.encryptedKey,
        fields.iv,
        fields.encryptedContent,
      ]) {
        const at = copy.indexOf(Buffer.from(part));
        expect(at).toBeGreaterThan(0);
        copy.fill(0, at, at + part.byteLength);
      }
      return copy;
    };
    expect(blanked(ours)).toEqual(blanked(real));
  });

  describe.skipIf(!hasOpenssl())('with openssl', () => {
    let directory: string;
    beforeAll(() => {
      directory = mkdtempSync(join(tmpdir(), 'nitro-mpc-recipient-'));
    });
    afterAll(() => rmSync(directory, { recursive: true, force: true }));

    it("opens the simulator's CiphertextForRecipient with openssl cms -decrypt", async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const publicKeyDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      writeFileSync(join(directory, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const opensslOpen = (envelope: Uint8Array | undefined): Buffer => {
        writeFileSync(join(directory, 'envelope.der'), envelope ?? new Uint8Array());
        const args = [
          '-in',
          join(directory, 'envelope.der'),
          '-inkey',
          join(directory, 'key.pem'),
          '-binary',
        ];
        return openssl(['cms', '-decrypt', '-inform', 'DER', ...args]);
      };
      const generated = await env.kms.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          KeySpec: 'AES_256',
          Recipient: recipient(document(env.chain, publicKeyDer)),
        }),
      );
      const dataKey = opensslOpen(generated.CiphertextForRecipient);
      expect(dataKey).toHaveLength(32);
      // The same data key comes back when its blob is decrypted to the same recipient.
      const decrypted = await env.kms.send(
        new DecryptCommand({
          CiphertextBlob: generated.CiphertextBlob,
          Recipient: recipient(document(env.chain, publicKeyDer)),
        }),
      );
      expect(decrypted.Plaintext).toBeUndefined();
      expect(opensslOpen(decrypted.CiphertextForRecipient)).toEqual(dataKey);
    });
  });
});
