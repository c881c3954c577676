/**
 * A sealed deployment of real processes: the KMS simulator (in this process, as AWS would be), the parent's
 * store (`nitro-mpc store serve`, its own process) and the enclave bundle with sealed persistence on, whose seal
 * key lives under a KMS key that only this bundle's PCR0 may use through `Recipient`. The enclave can be
 * SIGKILLed and started again on the same store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { enclaveKeyPolicy } from '../../parent/kms-policy/index.js';
import { connectSealedStore } from '../../protocol/store/index.js';
import { ENCLAVE_BUNDLE, type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { createSimulatedNsm } from '../../simulator/nsm/index.js';
import { BUILT_CLI } from '../../simulator/proxy-process.js';
import { type SimulatedDeployment, startSimulatedDeployment } from '../helpers/simulated-deployment.js';

export interface SealedDeployment {
  readonly deployment: SimulatedDeployment;
  readonly storeDir: string;
  readonly storeAddress: string;
  enclave(): RunningEnclave;
  /** Starts the enclave (again) on the same simulation and store; resolves once it serves. */
  startEnclave(): Promise<RunningEnclave>;
  /** SIGKILL: no shutdown code runs, whatever it was doing. */
  killEnclave(): Promise<void>;
  /** Everything the store processes logged so far. */
  storeLogs(): string;
  /** A copy of the store's files as they are now: what a parent keeps to roll the enclave back later. */
  snapshotStore(): string;
  /** SIGKILLs the store process and starts it again, on a snapshot's files if given. */
  restartStore(snapshot?: string): Promise<void>;
  close(): Promise<void>;
}

async function storeReady(address: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      await (await connectSealedStore(address)).close();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`the store at ${address} did not come up`);
}

export async function startSealedDeployment(): Promise<SealedDeployment> {
  const deployment = await startSimulatedDeployment();
  const { simulation, sdk, stateDir } = deployment;
  const storeDir = mkdtempSync(join(tmpdir(), 'nitro-mpc-store-'));
  const storeAddress = `unix://${join(storeDir, 'store.sock')}`;
  const dataDir = join(storeDir, 'data');
  let storeLogs = '';
  const startStore = async (): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      [BUILT_CLI, 'store', 'serve', '--dir', dataDir, '--listen', storeAddress, '--json-logs'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const collect = (d: Buffer) => {
      storeLogs += d.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await storeReady(storeAddress);
    return child;
  };
  let store = await startStore();

  // The seal key's KMS key: usable only by this enclave bundle (PCR0), only through Recipient.
  const nsm = await createSimulatedNsm({ stateDir, bundle: new Uint8Array(readFileSync(ENCLAVE_BUNDLE)) });
  const pcr0 = nsm.bootPcrs[0] ?? '';
  await nsm.close();
  const policy = enclaveKeyPolicy({
    pcr0,
    enclaveRoleArn: simulation.kms.principalArn,
    adminArn: simulation.kms.principalArn,
  });
  const created = await sdk.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
  const env = {
    NITRO_MPC_STORE: storeAddress,
    NITRO_MPC_SEAL_KEY_ID: created.KeyMetadata?.KeyId ?? '',
    NITRO_MPC_KMS_ENDPOINT: simulation.kms.endpoint,
    AWS_REGION: simulation.kms.region,
    AWS_ACCESS_KEY_ID: simulation.kms.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: simulation.kms.credentials.secretAccessKey,
  };

  let current: RunningEnclave | undefined;
  return {
    deployment,
    storeDir,
    storeAddress,
    enclave() {
      if (!current) throw new Error('no enclave running');
      return current;
    },
    async startEnclave() {
      current = await startEnclave({ stateDir, env });
      return current;
    },
    async killEnclave() {
      const child = current?.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    },
    storeLogs: () => storeLogs,
    snapshotStore() {
      const copy = mkdtempSync(join(tmpdir(), 'nitro-mpc-store-copy-'));
      cpSync(dataDir, copy, { recursive: true });
      return copy;
    },
    async restartStore(snapshot) {
      const exited = new Promise((done) => store.once('exit', done));
      store.kill('SIGKILL');
      await exited;
      if (snapshot !== undefined) {
        rmSync(dataDir, { recursive: true, force: true });
        cpSync(snapshot, dataDir, { recursive: true });
        rmSync(snapshot, { recursive: true, force: true });
      }
      store = await startStore();
    },
    async close() {
      await current?.stop();
      store.kill('SIGTERM');
      await deployment.close();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
