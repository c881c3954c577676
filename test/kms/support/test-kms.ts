import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import {
  type KmsSimulatorOptions,
  type RunningKmsSimulator,
  startKmsSimulator,
} from '../../../simulator/kms/index.js';
import { type NitroLikeChain, nitroLikeChain } from '../../helpers/pki.js';

export const REGION = 'eu-west-1';

/** A running simulator in a fresh state directory, trusting a fresh Nitro-like test chain, and an SDK client. */
export interface TestKms {
  readonly stateDir: string;
  readonly chain: NitroLikeChain;
  readonly simulator: RunningKmsSimulator;
  readonly kms: KMSClient;
  /** Stops the simulator (again) with the same state directory and chain. */
  restart(): Promise<TestKms>;
  /** Stops the server and removes the state directory. */
  close(): Promise<void>;
}

export function sdkClient(simulator: RunningKmsSimulator, credentials = simulator.credentials): KMSClient {
  // A copy: the SDK writes bookkeeping into the credentials object it is given.
  return new KMSClient({
    endpoint: simulator.endpoint,
    region: simulator.region,
    credentials: { ...credentials },
    maxAttempts: 1,
  });
}

export async function startTestKms(
  extra: Partial<Omit<KmsSimulatorOptions, 'stateDir' | 'roots' | 'region'>> = {},
  reuse?: { readonly stateDir: string; readonly chain: NitroLikeChain },
): Promise<TestKms> {
  const stateDir = reuse?.stateDir ?? mkdtempSync(join(tmpdir(), 'nitro-mpc-kms-'));
  const chain = reuse?.chain ?? (await nitroLikeChain(Date.now()));
  const simulator = await startKmsSimulator({ stateDir, region: REGION, roots: [chain.root.der], ...extra });
  const kms = sdkClient(simulator);
  return {
    stateDir,
    chain,
    simulator,
    kms,
    async restart() {
      kms.destroy();
      await simulator.stop();
      return startTestKms(extra, { stateDir, chain });
    },
    async close() {
      kms.destroy();
      await simulator.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Runs `promise` and returns the AWS error name and message it rejected with. */
export async function awsError(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      return { name: error.name, message: error.message, ...(status === undefined ? {} : { status }) };
    }
    throw error;
  }
  throw new Error('expected the call to fail');
}
