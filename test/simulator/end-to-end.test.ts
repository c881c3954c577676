/**
 * The promise end to end: the simulated NSM's documents, the simulated KMS, the real SDK and the enclave's
 * KMS client together, as they will run on Nitro with only the endpoint and the root different.
 */
import { CreateKeyCommand, DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAttestationDocument } from '../../attestation/index.js';
import { type EnclaveKmsClient, KmsClientError } from '../../enclave/kms/index.js';
import { createSimulatedNsm, type RunningSimulation } from '../../simulator/index.js';
import { type SimulatedDeployment, startSimulatedDeployment } from '../helpers/simulated-deployment.js';

const enclaveCode = new TextEncoder().encode('export const agreedFunction = "average salary";');
const otherCode = new TextEncoder().encode('export const agreedFunction = "leak every input";');

let deployment: SimulatedDeployment;
let stateDir: string;
let simulation: RunningSimulation;
let sdk: KMSClient;
let keyId: string;
let allowedPcr0: string;

/** An enclave KMS client whose attestation documents come from a simulated NSM running `bundle`. */
async function enclaveRunning(bundle: Uint8Array, debug = false): Promise<EnclaveKmsClient> {
  return (await deployment.enclave(bundle, { debug })).kms;
}

beforeAll(async () => {
  deployment = await startSimulatedDeployment();
  ({ stateDir, simulation, sdk } = deployment);
  allowedPcr0 = (await createSimulatedNsm({ stateDir, bundle: enclaveCode })).bootPcrs[0] ?? '';
  const principal = { AWS: simulation.kms.principalArn };
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'The parent administers and encrypts',
        Effect: 'Allow',
        Principal: principal,
        Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:Encrypt'],
        Resource: '*',
      },
      {
        Sid: 'Only the agreed enclave image gets keys out, through Recipient',
        Effect: 'Allow',
        Principal: principal,
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': allowedPcr0 } },
      },
    ],
  };
  const created = await sdk.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
  keyId = created.KeyMetadata?.KeyId ?? '';
  expect(keyId).not.toBe('');
});

afterAll(async () => {
  await deployment.close();
});

describe('simulated Nitro: NSM documents, KMS Recipient, the enclave client', () => {
  it("the simulated NSM's document passes the verifier with the simulator root, and only with it", async () => {
    const nsm = await createSimulatedNsm({ stateDir, bundle: enclaveCode });
    const document = await nsm.attest({ nonce: Uint8Array.of(1, 2, 3) });
    const verified = await verifyAttestationDocument(document, {
      roots: [simulation.root.der],
      pcrs: { 0: allowedPcr0 },
      nonce: '010203',
    });
    expect(verified.path).toHaveLength(5);
    await expect(verifyAttestationDocument(document)).rejects.toMatchObject({
      code: 'ATTESTATION_ROOT_UNTRUSTED',
    });
  });

  it('releases a data key to the agreed enclave image, which opens the CiphertextForRecipient', async () => {
    const enclave = await enclaveRunning(enclaveCode);
    const dataKey = await enclave.generateDataKey({ keyId, encryptionContext: { session: 's-1' } });
    expect(dataKey.plaintext).toHaveLength(32);
    const again = await enclave.decrypt({
      ciphertextBlob: dataKey.ciphertextBlob,
      encryptionContext: { session: 's-1' },
    });
    expect(Buffer.from(again.plaintext).equals(Buffer.from(dataKey.plaintext))).toBe(true);
    expect(again.keyId).toBe(dataKey.keyId);
  });

  it('decrypts what a party encrypted for the agreed enclave, bound to its encryption context', async () => {
    const secret = new TextEncoder().encode('salary: 123456');
    const encrypted = await sdk.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: secret, EncryptionContext: { party: 'acme' } }),
    );
    const blob = encrypted.CiphertextBlob ?? new Uint8Array();
    const enclave = await enclaveRunning(enclaveCode);
    const opened = await enclave.decrypt({ ciphertextBlob: blob, encryptionContext: { party: 'acme' } });
    expect(new TextDecoder().decode(opened.plaintext)).toBe('salary: 123456');
    await expect(
      enclave.decrypt({ ciphertextBlob: blob, encryptionContext: { party: 'evil' } }),
    ).rejects.toMatchObject({
      code: 'KMS_INVALID_CIPHERTEXT',
    });
    // The parent itself, without an attested Recipient, gets nothing.
    await expect(
      sdk.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { party: 'acme' } })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('refuses another enclave image and a debug-mode enclave', async () => {
    for (const enclave of [await enclaveRunning(otherCode), await enclaveRunning(enclaveCode, true)]) {
      const error = await enclave.generateDataKey({ keyId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KmsClientError);
      expect((error as KmsClientError).code).toBe('KMS_ACCESS_DENIED');
    }
  });
});
