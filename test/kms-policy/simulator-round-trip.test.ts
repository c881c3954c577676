/**
 * The generated key policy, enforced by the KMS simulator: the agreed image gets a data key through Recipient,
 * another image, a debug enclave and the parent without Recipient do not; `kms explain` names the PCR.
 */

import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from '../../attestation/index.js';
import { type EnclaveKmsClient, KmsClientError } from '../../enclave/kms/index.js';
import { createSimulatedNsm, type RunningSimulation } from '../../simulator/index.js';
import { runCli } from '../helpers/cli.js';
import { type SimulatedDeployment, startSimulatedDeployment } from '../helpers/simulated-deployment.js';

const agreedCode = new TextEncoder().encode('export const agreedFunction = "median salary";');
const otherCode = new TextEncoder().encode('export const agreedFunction = "print every input";');

let deployment: SimulatedDeployment;
let stateDir: string;
let simulation: RunningSimulation;
let sdk: KMSClient;
let keyId: string;
let agreedPcr0: string;
let policyFile: string;
let rootFile: string;

async function enclaveRunning(bundle: Uint8Array, debug = false): Promise<EnclaveKmsClient> {
  return (await deployment.enclave(bundle, { debug })).kms;
}

/** A Recipient-shaped document (RSA public key inside) from a simulated NSM running `bundle`. */
async function documentFile(name: string, bundle: Uint8Array, debug = false): Promise<string> {
  const nsm = await createSimulatedNsm({ stateDir, bundle, debug });
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const document = await nsm.attest({
    publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })),
  });
  const file = join(stateDir, name);
  writeFileSync(file, document);
  return file;
}

beforeAll(async () => {
  deployment = await startSimulatedDeployment();
  ({ stateDir, simulation, sdk } = deployment);
  agreedPcr0 = (await createSimulatedNsm({ stateDir, bundle: agreedCode })).bootPcrs[0] ?? '';
  // On EC2 the enclave's requests are signed with the parent instance's role, which also administers here.
  const role = simulation.kms.principalArn;
  const run = runCli(['kms', 'policy', '--pcr0', agreedPcr0, '--enclave-role', role, '--admin', role]);
  expect(run.status, run.stderr).toBe(0);
  policyFile = join(stateDir, 'policy.json');
  writeFileSync(policyFile, run.stdout);
  rootFile = join(stateDir, 'root.pem');
  writeFileSync(rootFile, derToPem(simulation.root.der));
  const created = await sdk.send(new CreateKeyCommand({ Policy: run.stdout }));
  keyId = created.KeyMetadata?.KeyId ?? '';
});

afterAll(async () => {
  await deployment.close();
});

describe('nitro-mpc kms policy, enforced by the KMS simulator', () => {
  it('the agreed image gets a data key through Recipient', async () => {
    const enclave = await enclaveRunning(agreedCode);
    const dataKey = await enclave.generateDataKey({ keyId });
    expect(dataKey.plaintext).toHaveLength(32);
    const again = await enclave.decrypt({ ciphertextBlob: dataKey.ciphertextBlob });
    expect(Buffer.from(again.plaintext).equals(Buffer.from(dataKey.plaintext))).toBe(true);
  });

  it('another image and a debug-mode enclave are denied', async () => {
    for (const enclave of [await enclaveRunning(otherCode), await enclaveRunning(agreedCode, true)]) {
      const error = await enclave.generateDataKey({ keyId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KmsClientError);
      expect((error as KmsClientError).code).toBe('KMS_ACCESS_DENIED');
    }
  });

  it('the parent (admin) without Recipient gets no plaintext, but can manage the key', async () => {
    await expect(
      sdk.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('refuses an all-zero (debug) PCR0 and malformed input', () => {
    const role = simulation.kms.principalArn;
    const zeros = runCli(['kms', 'policy', '--pcr0', '0'.repeat(96), '--enclave-role', role, '--json']);
    expect(zeros.status).toBe(1);
    expect(zeros.json()).toMatchObject({ ok: false, code: 'KMS_POLICY_DEBUG_PCR' });
    expect(runCli(['kms', 'policy', '--pcr0', 'abcd', '--enclave-role', role]).stderr).toMatch(
      /KMS_POLICY_PCR_INVALID/,
    );
    expect(runCli(['kms', 'policy', '--pcr0', agreedPcr0, '--enclave-role', 'bob']).status).toBe(1);
    expect(runCli(['kms', 'policy', '--pcr0', agreedPcr0]).status).toBe(2);
  });
});

describe('nitro-mpc kms explain', () => {
  it('allows the agreed image, naming the statement', async () => {
    const doc = await documentFile('agreed.cbor', agreedCode);
    const run = runCli([
      'kms',
      'explain',
      '--policy',
      policyFile,
      '--attestation',
      doc,
      '--root',
      rootFile,
      '--json',
    ]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.json()).toMatchObject({ allowed: true, decision: 'allow' });
    expect(run.json<{ reasons: string[] }>().reasons.join()).toMatch(
      /EnclaveImageUsesTheKeyThroughRecipient/,
    );
  });

  it('says which statement and which PCR deny another image, expected vs actual', async () => {
    const doc = await documentFile('other.cbor', otherCode);
    const otherPcr0 = (await createSimulatedNsm({ stateDir, bundle: otherCode })).bootPcrs[0] ?? '';
    const run = runCli([
      'kms',
      'explain',
      '--policy',
      policyFile,
      '--attestation',
      doc,
      '--root',
      rootFile,
      '--json',
    ]);
    expect(run.status).toBe(1);
    const result = run.json<{
      decision: string;
      statements: {
        sid: string;
        applies: boolean;
        conditions: { key: string; pcr: number; expected: string[]; actual: string[]; holds: boolean }[];
      }[];
    }>();
    expect(result.decision).toBe('explicit-deny');
    const deny = result.statements.find((s) => s.sid === 'DenyPlaintextUnlessAttestedPCR0');
    expect(deny?.applies).toBe(true);
    expect(deny?.conditions[0]).toMatchObject({
      key: 'kms:RecipientAttestation:PCR0',
      pcr: 0,
      expected: [agreedPcr0],
      actual: [otherPcr0],
      holds: true,
    });
    const text = runCli(['kms', 'explain', '--policy', policyFile, '--attestation', doc, '--root', rootFile]);
    expect(text.stdout).toContain(`expected ${agreedPcr0}, actual ${otherPcr0}`);
  });

  it('explains a debug enclave and a policy without deny statements (implicit deny)', async () => {
    const doc = await documentFile('debug.cbor', agreedCode, true);
    const allowOnly = JSON.parse(
      JSON.stringify(
        JSON.parse(
          runCli(['kms', 'policy', '--pcr0', agreedPcr0, '--enclave-role', simulation.kms.principalArn])
            .stdout,
        ),
      ),
    );
    allowOnly.Statement = allowOnly.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow');
    const file = join(stateDir, 'allow-only.json');
    writeFileSync(file, JSON.stringify(allowOnly));
    const run = runCli(['kms', 'explain', '--policy', file, '--attestation', doc, '--root', rootFile]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/implicit-deny/);
    expect(run.stdout).toMatch(
      /conditions fail: StringEqualsIgnoreCase kms:RecipientAttestation:PCR0: expected [0-9a-f]{96}, actual 0{96}/,
    );
  });

  it('a document from an untrusted root is refused before the policy, with the reason', async () => {
    const doc = await documentFile('agreed2.cbor', agreedCode);
    const run = runCli(['kms', 'explain', '--policy', policyFile, '--attestation', doc, '--json']);
    expect(run.status).toBe(1);
    expect(run.json()).toMatchObject({ allowed: false, code: 'KMS_POLICY_ATTESTATION_REJECTED' });
  });
});
