/**
 * KMS mode: a party prepares its input ahead of time under its own KMS key, whose policy releases the data key only
 * to the agreed enclave image through `Recipient`. The enclave asks KMS (the simulator, through the real SDK and
 * the enclave KMS client) and opens the input; another image gets AccessDenied and nothing is stored.
 */
import { CreateKeyCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { type Manifest, sealInput, sealKmsInput, sessionIdOf, signRequest } from '../../protocol/index.js';
import type { RunningSimulation } from '../../simulator/index.js';
import { type SimulatedDeployment, startSimulatedDeployment } from '../helpers/simulated-deployment.js';
import {
  codeOf,
  expectOk,
  HOUR,
  meanManifest,
  openSession,
  type Party,
  type World,
  worldAround,
} from './support.js';

const enclaveCode = new TextEncoder().encode('enclave under test');
let deployment: SimulatedDeployment;
let simulation: RunningSimulation;
let sdk: KMSClient;

/** A session world whose enclave runs `bundle` and reaches the simulated KMS through its Recipient client. */
async function worldRunning(bundle: Uint8Array): Promise<World> {
  const { nsm, kms } = await deployment.enclave(bundle);
  // Real time: KMS refuses attestation documents older than five minutes.
  return worldAround(nsm, {
    now: Date.now(),
    kmsDecrypt: async (request) => (await kms.decrypt(request)).plaintext,
  });
}

/** Alice's own KMS key: only an enclave with `pcr0` may decrypt, and only through Recipient. */
async function aliceKey(pcr0: string): Promise<string> {
  const principal = { AWS: simulation.kms.principalArn };
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Owner',
        Effect: 'Allow',
        Principal: principal,
        Action: ['kms:DescribeKey', 'kms:GenerateDataKey', 'kms:PutKeyPolicy'],
        Resource: '*',
      },
      {
        Sid: 'Agreed enclave only',
        Effect: 'Allow',
        Principal: principal,
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEqualsIgnoreCase: { 'kms:RecipientAttestation:PCR0': pcr0 } },
      },
    ],
  };
  const created = await sdk.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
  return created.KeyMetadata?.KeyId ?? '';
}

async function kmsSubmission(world: World, manifest: Manifest, party: Party, keyId: string, value: unknown) {
  const encryptionContext = { purpose: 'nitro-mpc input' };
  // With no Recipient this returns the plaintext data key: the party's own, used once and discarded.
  const dataKey = await sdk.send(
    new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: encryptionContext }),
  );
  const plaintextKey = new Uint8Array(dataKey.Plaintext ?? new Uint8Array());
  const input = sealKmsInput({
    sessionId: sessionIdOf(manifest),
    inputName: 'salaries-a',
    partyId: party.id,
    round: 1,
    plaintext: encodeCbor(value),
    dataKey: plaintextKey,
    encryptedDataKey: new Uint8Array(dataKey.CiphertextBlob ?? new Uint8Array()),
    keyId,
    encryptionContext,
    senderSigningKey: party.signing.privateKey,
  });
  plaintextKey.fill(0);
  return world.service.handle({ type: 'submit-input', sessionId: sessionIdOf(manifest), input });
}

function openWindow() {
  return { opensAt: Date.now() - 60_000, closesAt: Date.now() + HOUR };
}

beforeAll(async () => {
  deployment = await startSimulatedDeployment();
  ({ simulation, sdk } = deployment);
});

afterAll(async () => {
  await deployment.close();
});

describe('KMS-mode inputs', () => {
  it('are opened by the agreed enclave and used in the computation', async () => {
    const world = await worldRunning(enclaveCode);
    const manifest = meanManifest(world, { window: openWindow() });
    const opened = await openSession(world, manifest);
    const keyId = await aliceKey(world.pcrsOf()[0]?.allowed[0] ?? '');
    expect(codeOf(await kmsSubmission(world, manifest, world.parties.alice, keyId, [10, 20]))).toBe(
      'input-accepted',
    );
    const envelope = await sealInput({
      sessionId: sessionIdOf(manifest),
      inputName: 'salaries-b',
      partyId: 'bob',
      round: 1,
      plaintext: encodeCbor([30]),
      recipientPublicKey: opened.attested.hpkePublicKey,
      senderSigningKey: world.parties.bob.signing.privateKey,
    });
    expect(
      codeOf(
        await world.service.handle({
          type: 'submit-input',
          sessionId: sessionIdOf(manifest),
          input: { mode: 'hpke', envelope },
        }),
      ),
    ).toBe('input-accepted');
    const carol = world.parties.carol;
    expectOk(
      await world.service.handle(
        signRequest(
          { type: 'evaluate', sessionId: sessionIdOf(manifest), round: 1 },
          carol.id,
          carol.signing.privateKey,
          world.clock.now,
        ),
      ),
      'evaluation-started',
    );
    const result = expectOk(
      await world.service.handle(
        signRequest(
          { type: 'get-result', sessionId: sessionIdOf(manifest), round: 1 },
          carol.id,
          carol.signing.privateKey,
          world.clock.now,
        ),
      ),
      'result',
    );
    expect(result.receipt.body.result).toMatchObject({ delivery: 'clear' });
  });

  it('are refused to an enclave running other code: KMS releases nothing', async () => {
    const agreed = await worldRunning(enclaveCode);
    const keyId = await aliceKey(agreed.pcrsOf()[0]?.allowed[0] ?? '');
    const impostor = await worldRunning(new TextEncoder().encode('other code'));
    const manifest = meanManifest(impostor, { window: openWindow() });
    await openSession(impostor, manifest);
    expect(codeOf(await kmsSubmission(impostor, manifest, impostor.parties.alice, keyId, [10]))).toBe(
      'KMS_ACCESS_DENIED',
    );
    const status = expectOk(
      await impostor.service.handle(
        signRequest(
          { type: 'status', sessionId: sessionIdOf(manifest) },
          'alice',
          impostor.parties.alice.signing.privateKey,
          impostor.clock.now,
        ),
      ),
      'status',
    );
    expect(status.inputs.every((i) => !i.provided)).toBe(true);
  });
});
