/**
 * Demo part 2: real sessions in simulator mode, every piece its own process: the KMS simulator (`nitro-mpc sim
 * start`), the parent's sealed store (`nitro-mpc store serve`), the enclave bundle (simulated NSM measuring that
 * bundle, KMS-mode inputs and sealed persistence enabled) and the parent's proxy. Each party is a separate TCP
 * connection through the proxy and checks the enclave by attestation before sending anything. Three companies
 * learn their average salary; two companies learn how many customers they share (100,000 each) and nothing else;
 * three hospitals sum a count while the enclave is SIGKILLed and restarted mid-session. Every result and
 * destruction certificate is verified.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  draftManifest,
  EnclaveConnection,
  PartyClient,
  type PartyIdentity,
} from '../../parent/client/index.js';
import { enclaveKeyPolicy } from '../../parent/kms-policy/index.js';
import { generateHpkeKeyPair, generateSigningKeyPair, type Manifest } from '../../protocol/index.js';
import {
  ENCLAVE_BUNDLE,
  measurementOf,
  type RunningEnclave,
  startEnclave,
} from '../../simulator/enclave-process.js';
import { createSimulatedNsm } from '../../simulator/nsm/index.js';
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
  return JSON.parse(run.stdout) as Record<string, string>;
}

/**
 * Sealed persistence: the parent's store (`nitro-mpc store serve`, its own process) and the KMS key for the
 * enclave's seal key, whose policy lets only this enclave bundle (its PCR0) use it, through Recipient.
 */
async function startSealedStore(
  stateDir: string,
  sim: Record<string, string>,
): Promise<{ env: Record<string, string>; stop: () => void }> {
  const address = `unix://${join(stateDir, 'store.sock')}`;
  const store = spawn(
    process.execPath,
    [BUILT_CLI, 'store', 'serve', '--dir', join(stateDir, 'store'), '--listen', address, '--json-logs'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((ready, fail) => {
    store.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('"ready"')) ready();
    });
    store.once('exit', (code) => fail(new Error(`store exited with ${code}`)));
  });
  const nsm = await createSimulatedNsm({ stateDir, bundle: new Uint8Array(readFileSync(ENCLAVE_BUNDLE)) });
  const pcr0 = nsm.bootPcrs[0] ?? '';
  await nsm.close();
  const role = sim['principalArn'] ?? '';
  const kms = new KMSClient({
    endpoint: sim['kmsEndpoint'] ?? '',
    region: sim['region'] ?? '',
    credentials: { accessKeyId: sim['accessKeyId'] ?? '', secretAccessKey: sim['secretAccessKey'] ?? '' },
  });
  const policy = enclaveKeyPolicy({ pcr0, enclaveRoleArn: role, adminArn: role });
  const key = await kms.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
  kms.destroy();
  return {
    env: { NITRO_MPC_STORE: address, NITRO_MPC_SEAL_KEY_ID: key.KeyMetadata?.KeyId ?? '' },
    stop: () => store.kill('SIGTERM'),
  };
}

/** The enclave's KMS settings (on EC2: the parent's role, through the egress proxy). */
function kmsEnvironment(sim: Record<string, string>): Record<string, string> {
  return {
    NITRO_MPC_KMS_ENDPOINT: sim['kmsEndpoint'] ?? '',
    AWS_REGION: sim['region'] ?? '',
    AWS_ACCESS_KEY_ID: sim['accessKeyId'] ?? '',
    AWS_SECRET_ACCESS_KEY: sim['secretAccessKey'] ?? '',
  };
}

/**
 * Three hospitals count patients with a condition; the enclave is SIGKILLed after two of them sent their numbers,
 * and started again on the same sealed store: the session goes on with the same attested keys.
 */
async function recoveredSession(
  enclave: { current: RunningEnclave; restart: () => Promise<RunningEnclave> },
  endpoint: string,
): Promise<SessionDemoResult> {
  const hospitals = await Promise.all(['st-mary', 'general', 'childrens'].map(company));
  const counts: Record<string, number[]> = { 'st-mary': [412], general: [977], childrens: [131] };
  const manifest = manifestFor(enclave.current, 'sum', {}, hospitals);
  const connect = async () =>
    Promise.all(
      hospitals.map(
        async (h) =>
          new PartyClient(await EnclaveConnection.open(endpoint), h, { roots: [enclave.current.root] }),
      ),
    );
  const before = await connect();
  const [first] = before;
  if (!first) throw new Error('no parties');
  await first.create(manifest);
  for (const client of before) await client.approve(manifest);
  const keysBefore = [];
  for (const client of before.slice(0, 2)) {
    keysBefore.push((await client.attest(manifest)).hpkePublicKey);
    await client.submit(manifest, `${client.party.id}-data`, counts[client.party.id]);
  }
  const acknowledged = before.map((c) => c.knownStateCounter(manifest));
  for (const client of before) client.close();

  await enclave.restart();
  const after = await connect();
  try {
    for (const [i, client] of after.entries()) client.rememberStateCounter(manifest, acknowledged[i] ?? 0);
    const [a, , c] = after;
    if (!a || !c) throw new Error('no parties');
    const sameKey =
      JSON.stringify((await c.attest(manifest)).hpkePublicKey) === JSON.stringify(keysBefore[0]);
    const status = await c.status(manifest); // checks the signed journal counter: no rollback
    const kept = status.inputs.filter((i) => i.provided).length;
    await c.submit(manifest, 'childrens-data', counts['childrens']);
    await a.attest(manifest);
    await a.evaluate(manifest);
    const results = [];
    for (const client of after) {
      await client.attest(manifest);
      results.push(await client.result(manifest));
    }
    const { certificate } = await a.destroy(manifest);
    const value = results[0]?.value as Map<string, unknown>;
    return {
      title: 'three hospitals: a patient count, the enclave killed (SIGKILL) after two inputs and restarted',
      result: { ...Object.fromEntries(value), inputsKeptThroughTheRestart: kept, sameAttestedKey: sameKey },
      receiptsVerified: results.length,
      destructionCertificate: { inputsDestroyed: certificate.body.destroyed.length, verified: true },
      ok: sameKey && kept === 2 && value.get('sum') === 1520 && certificate.body.destroyed.length === 3,
    };
  } finally {
    for (const client of after) client.close();
  }
}

function stopKmsSimulator(stateDir: string): void {
  spawnSync(process.execPath, [BUILT_CLI, 'sim', 'stop', '--state-dir', stateDir]);
  rmSync(stateDir, { recursive: true, force: true });
}

export async function sessionDemos(): Promise<SessionDemoResult[]> {
  const stateDir = mkdtempSync(join(tmpdir(), 'nitro-mpc-demo-sim-'));
  let sealedStore: { env: Record<string, string>; stop: () => void } | undefined;
  const start = async () => {
    const sim = startKmsSimulator(stateDir);
    sealedStore = await startSealedStore(stateDir, sim);
    const env = { ...kmsEnvironment(sim), ...sealedStore.env };
    return { env, enclave: await startEnclave({ stateDir, env }) };
  };
  const { env, enclave: first } = await start().catch((error: unknown) => {
    sealedStore?.stop();
    stopKmsSimulator(stateDir);
    throw error;
  });
  const enclave = {
    current: first,
    async restart() {
      const child = this.current.child;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
      this.current = await startEnclave({ stateDir, env });
      return this.current;
    },
  };
  const proxy = await startProxyProcess(['--listen', 'tcp://127.0.0.1:0', '--enclave', first.address]).catch(
    async (error: unknown) => {
      await first.stop();
      sealedStore?.stop();
      stopKmsSimulator(stateDir);
      throw error;
    },
  );
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
      await runSession(enclave.current, endpoint, 'three companies: average salary', 'mean', {}, salaries),
      await runSession(
        enclave.current,
        endpoint,
        'two companies: how many customers they share (100k each)',
        'psi',
        { itemKind: 'string', reveal: 'cardinality' },
        {
          umbrella: [...shared, ...only('umbrella')],
          wayne: [...only('wayne'), ...shared],
        },
      ),
      await recoveredSession(enclave, endpoint),
    ];
  } finally {
    await proxy.stop();
    await enclave.current.stop();
    sealedStore?.stop();
    stopKmsSimulator(stateDir);
  }
}
