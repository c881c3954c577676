import { type RunningKmsSimulator, startKmsSimulator } from './kms/index.js';
import { type SimulatorRootCertificate, simulatorRootCertificate } from './nsm/index.js';

export interface SimulationOptions {
  readonly stateDir: string;
  /** KMS port; 0 (default) picks a free one. */
  readonly port?: number;
  readonly host?: string;
  readonly region?: string;
}

export interface RunningSimulation {
  readonly kms: RunningKmsSimulator;
  /** The simulated NSM root: what parties pass as `roots` / `--root`, and what the KMS accepts Recipients from. */
  readonly root: SimulatorRootCertificate;
  stop(): Promise<void>;
}

export const DEFAULT_SIM_REGION = 'us-east-1';

/**
 * Everything a simulated Nitro deployment needs in one state directory: the NSM's CA (created on first use) and a
 * KMS that releases keys only to documents chaining to it.
 */
export async function startSimulation(options: SimulationOptions): Promise<RunningSimulation> {
  const region = options.region ?? DEFAULT_SIM_REGION;
  const root = await simulatorRootCertificate(options.stateDir, { region });
  const kms = await startKmsSimulator({
    stateDir: options.stateDir,
    region,
    roots: [root.der],
    port: options.port ?? 0,
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  return { kms, root, stop: () => kms.stop() };
}
