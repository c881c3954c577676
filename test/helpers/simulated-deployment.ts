/**
 * A simulated Nitro deployment for tests: a state directory, the simulation (NSM CA + KMS), an SDK client with
 * the simulator's credentials (the parent's role), and enclave KMS clients whose attestation documents come from
 * a simulated NSM running a given bundle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { EnclaveKmsClient } from '../../enclave/kms/index.js';
import {
  createSimulatedNsm,
  type RunningSimulation,
  type SimulatedNsm,
  startSimulation,
} from '../../simulator/index.js';

export interface SimulatedDeployment {
  readonly stateDir: string;
  readonly simulation: RunningSimulation;
  /** The parent's SDK client (the simulator's credentials); destroyed by `close`. */
  readonly sdk: KMSClient;
  /** An enclave running `bundle`: its NSM and its Recipient KMS client (closed by `close`). */
  enclave(
    bundle: Uint8Array,
    options?: { debug?: boolean },
  ): Promise<{ nsm: SimulatedNsm; kms: EnclaveKmsClient }>;
  close(): Promise<void>;
}

export async function startSimulatedDeployment(): Promise<SimulatedDeployment> {
  const stateDir = mkdtempSync(join(tmpdir(), 'nitro-mpc-deployment-'));
  const simulation = await startSimulation({ stateDir });
  // A copy of the credentials: the SDK writes bookkeeping into the object it is given.
  const credentials = () => ({ ...simulation.kms.credentials });
  const sdk = new KMSClient({
    endpoint: simulation.kms.endpoint,
    region: simulation.kms.region,
    credentials: credentials(),
    maxAttempts: 1,
  });
  const clients: EnclaveKmsClient[] = [];
  return {
    stateDir,
    simulation,
    sdk,
    async enclave(bundle, options = {}) {
      const nsm = await createSimulatedNsm({ stateDir, bundle, debug: options.debug === true });
      const kms = await EnclaveKmsClient.create({
        kms: { region: simulation.kms.region, endpoint: simulation.kms.endpoint, credentials: credentials() },
        attest: (publicKey) => nsm.attest({ publicKey }),
      });
      clients.push(kms);
      return { nsm, kms };
    },
    async close() {
      for (const client of clients) client.close();
      sdk.destroy();
      await simulation.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
