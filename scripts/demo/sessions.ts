/**
 * Demo part 2: real sessions in simulator mode, every piece its own process: the KMS simulator (`nitro-mpc sim
 * start`), the enclave bundle (simulated NSM measuring that bundle, KMS-mode inputs enabled) and the parent's
 * proxy. Each company is a separate TCP connection through the proxy and checks the enclave by attestation before
 * sending anything. Three companies learn their average salary; two companies learn how many customers they share
 * (100,000 each) and nothing else. Every result and destruction certificate is verified.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  draftManifest,
  EnclaveConnection,
  PartyClient,
  type PartyIdentity,
} from '../../parent/client/index.js';
import { generateHpkeKeyPair, generateSigningKeyPair, type Manifest } from '../../protocol/index.js';
import { measurementOf, type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { BUILT_CLI, startProxyProcess } from '../../simulator/proxy-process.js';

export interface SessionDemoResult {
  readonly title: string;
  readonly result: Record<string, unknown>;
  readonly receiptsVerified: number;
  readonly destructionCertificate: { readonly inputsDestroyed: number; readonly verified: boolean };
  readonly ok: boolean;
}

async function company(id: string): Promise<PartyIdentity> {
  return { id, signing: generateSigningKeyPair('Ed25519'), hpke: await generateHpkeKeyPair() };
}

function manifestFor(
  enclave: RunningEnclave,
  fn: string,
  parameters: unknown,
  companies: PartyIdentity[],
): Manifest {
  return draftManifest({
    fn: measurementOf(fn),
    parameters,
    parties: companies,
    pcrs: enclave.pcrs,
    inputName: (id) => `${id}-data`,
    maxInputBytes: 16 << 20,
    windowMs: 600_000,
  });
}

async function runSession(
  enclave: RunningEnclave,
  endpoint: string,
  title: string,
  fn: string,
  parameters: unknown,
  inputs: Record<string, unknown>,
): Promise<SessionDemoResult> {
  const companies = await Promise.all(Object.keys(inputs).map(company));
  const manifest = manifestFor(enclave, fn, parameters, companies);
  const clients = await Promise.all(
    companies.map(
      async (c) => new PartyClient(await EnclaveConnection.open(endpoint), c, { roots: [enclave.root] }),
    ),
  );
  try {
    const [first] = clients;
    if (!first) throw new Error('no parties');
    await first.create(manifest);
    for (const client of clients) await client.approve(manifest);
    // Every company checks the enclave itself, then sends its input sealed to the attested session key.
    for (const client of clients) {
      await client.attest(manifest);
      await client.submit(manifest, `${client.party.id}-data`, inputs[client.party.id]);
    }
    await first.evaluate(manifest);
    const results = [];
    for (const client of clients) results.push(await client.result(manifest));
    const { certificate } = await first.destroy(manifest);
    const value = results[0]?.value as Map<string, unknown>;
    const same = results.every(
      (r) => JSON.stringify([...(r.value as Map<string, unknown>)]) === JSON.stringify([...value]),
    );
    return {
      title,
      result: Object.fromEntries(value),
      receiptsVerified: results.length,
      destructionCertificate: { inputsDestroyed: certificate.body.destroyed.length, verified: true },
      ok: same && certificate.body.destroyed.length === companies.length,
    };
  } finally {
    for (const client of clients) client.close();
  }
}

/** `nitro-mpc sim start` in the background: the simulated KMS (and the NSM CA the enclave shares). */
function startKmsSimulator(stateDir: string): Record<string, string> {
  const run = spawnSync(process.execPath, [BUILT_CLI, 'sim', 'start', '--state-dir', stateDir, '--json'], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`sim start failed: ${run.stderr}`);
  const info = JSON.parse(run.stdout) as Record<string, string>;
  // The enclave reaches KMS with these (on EC2: the parent's role, through the egress proxy).
  return {
    NITRO_MPC_KMS_ENDPOINT: info['kmsEndpoint'] ?? '',
    AWS_REGION: info['region'] ?? '',
    AWS_ACCESS_KEY_ID: info['accessKeyId'] ?? '',
    AWS_SECRET_ACCESS_KEY: info['secretAccessKey'] ?? '',
  };
}

function stopKmsSimulator(stateDir: string): void {
  spawnSync(process.execPath, [BUILT_CLI, 'sim', 'stop', '--state-dir', stateDir]);
  rmSync(stateDir, { recursive: true, force: true });
}

export async function sessionDemos(): Promise<SessionDemoResult[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'nitro-mpc-demo-sim-'));
  const enclave = await startEnclave({ stateDir, env: startKmsSimulator(stateDir) }).catch(
    (error: unknown) => {
      stopKmsSimulator(stateDir);
      throw error;
    },
  );
  const proxy = await startProxyProcess([
    '--listen',
    'tcp://127.0.0.1:0',
    '--enclave',
    enclave.address,
  ]).catch(async (error: unknown) => {
    await enclave.stop();
    throw error;
  });
  const endpoint = String(proxy.ready['ingress']);
  try {
    const salaries = {
      acme: [92_000, 105_000, 87_500],
      globex: [110_000, 98_000],
      initech: [76_000, 81_000, 99_500, 120_000],
    };
    const shared = Array.from({ length: 12_345 }, (_, i) => `customer-${i}@example.com`);
    const only = (who: string) =>
      Array.from({ length: 100_000 - shared.length }, (_, i) => `${who}-only-${i}@example.com`);
    return [
      await runSession(enclave, endpoint, 'three companies: average salary', 'mean', {}, salaries),
      await runSession(
        enclave,
        endpoint,
        'two companies: how many customers they share (100k each)',
        'psi',
        { itemKind: 'string', reveal: 'cardinality' },
        {
          umbrella: [...shared, ...only('umbrella')],
          wayne: [...only('wayne'), ...shared],
        },
      ),
    ];
  } finally {
    await proxy.stop();
    await enclave.stop();
    stopKmsSimulator(stateDir);
  }
}
