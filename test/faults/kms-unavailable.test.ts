/**
 * KMS unavailable during a KMS-mode submission: the enclave's KMS client retries, then the submission is refused
 * with KMS_UNAVAILABLE and nothing is stored; once KMS is back the party submits the same input again and it is
 * accepted. Real SDK, real simulated KMS (stopped and restarted on its port with its state), real session service.
 */
import { CreateKeyCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { EnclaveKmsClient, type KmsRetryEvent } from '../../enclave/kms/index.js';
import { type Manifest, sealKmsInput, sessionIdOf } from '../../protocol/index.js';
import { type RunningKmsSimulator, startKmsSimulator } from '../../simulator/kms/index.js';
import {
  codeOf,
  expectOk,
  HOUR,
  meanManifest,
  openSession,
  signed,
  type World,
  worldAround,
} from '../enclave/support.js';
import { type SimulatedDeployment, startSimulatedDeployment } from '../helpers/simulated-deployment.js';

let deployment: SimulatedDeployment;
let restarted: RunningKmsSimulator | undefined;

beforeAll(async () => {
  deployment = await startSimulatedDeployment();
});
afterAll(async () => {
  await restarted?.stop();
  await deployment.close();
});

/** A key whose policy lets the parent's role make data keys and the enclave (any PCRs here) decrypt. */
async function partyKey(): Promise<string> {
  const principal = { AWS: deployment.simulation.kms.principalArn };
  const policy = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: 'kms:*', Resource: '*' }],
  };
  const created = await deployment.sdk.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
  return created.KeyMetadata?.KeyId ?? '';
}

/** Alice prepares her input under her KMS key while KMS is up (as she would, ahead of time). */
async function preparedInput(manifest: Manifest, world: World, keyId: string) {
  const encryptionContext = { purpose: 'nitro-mpc input' };
  const dataKey = await deployment.sdk.send(
    new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext }),
  );
  const plaintextKey = new Uint8Array(dataKey.Plaintext ?? new Uint8Array());
  const input = sealKmsInput({
    sessionId: sessionIdOf(manifest),
    inputName: 'salaries-a',
    partyId: 'alice',
    round: 1,
    plaintext: encodeCbor([10, 20]),
    dataKey: plaintextKey,
    encryptedDataKey: new Uint8Array(dataKey.CiphertextBlob ?? new Uint8Array()),
    keyId,
    encryptionContext,
    senderSigningKey: world.parties.alice.signing.privateKey,
  });
  plaintextKey.fill(0);
  return input;
}

describe('a KMS-mode submission while KMS is down', () => {
  it('is refused with KMS_UNAVAILABLE after the retries, stores nothing, and is accepted when KMS is back', async () => {
    const kmsSim = deployment.simulation.kms;
    const { nsm } = await deployment.enclave(new TextEncoder().encode('enclave under test'));
    const retries: KmsRetryEvent[] = [];
    const kms = await EnclaveKmsClient.create({
      kms: { region: kmsSim.region, endpoint: kmsSim.endpoint, credentials: { ...kmsSim.credentials } },
      attest: (publicKey) => nsm.attest({ publicKey }),
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, onRetry: (e) => void retries.push(e) },
    });
    try {
      const world = await worldAround(nsm, {
        now: Date.now(),
        kmsDecrypt: async (request) => (await kms.decrypt(request)).plaintext,
      });
      const manifest = meanManifest(world, {
        window: { opensAt: Date.now() - 60_000, closesAt: Date.now() + HOUR },
      });
      await openSession(world, manifest);
      const input = await preparedInput(manifest, world, await partyKey());
      const submit = () =>
        world.service.handle({ type: 'submit-input', sessionId: sessionIdOf(manifest), input });
      const status = async () =>
        expectOk(
          await world.service.handle(
            signed(world, world.parties.alice, { type: 'status', sessionId: sessionIdOf(manifest) }),
          ),
          'status',
        );

      await kmsSim.stop();
      const refused = await submit();
      expect(codeOf(refused)).toBe('KMS_UNAVAILABLE');
      expect(refused).toMatchObject({ message: expect.stringMatching(/failed 3 times.*retry later/) });
      expect(retries).toHaveLength(2);
      expect((await status()).inputs.find((i) => i.inputName === 'salaries-a')?.provided).toBe(false);

      // KMS back on the same port with the same state (keys, credentials).
      restarted = await startKmsSimulator({
        stateDir: deployment.stateDir,
        region: kmsSim.region,
        roots: [deployment.simulation.root.der],
        port: Number(new URL(kmsSim.endpoint).port),
      });
      expect(codeOf(await submit())).toBe('input-accepted');
      expect(restarted.faults.received).toBe(1);
      expect((await status()).inputs.find((i) => i.inputName === 'salaries-a')?.provided).toBe(true);
    } finally {
      kms.close();
    }
  });
});
