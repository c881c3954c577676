/**
 * nitro-mpc/simulator: Nitro where there is none. A simulated NSM whose documents have the real format, a KMS
 * that speaks the real wire protocol to the real `@aws-sdk/client-kms`, both kept in a state directory.
 */
export * from './kms/index.js';
export * from './nsm/index.js';
export {
  DEFAULT_SIM_REGION,
  type RunningSimulation,
  type SimulationOptions,
  startSimulation,
} from './simulation.js';
export { resolveSimStateDir, SIM_DIR_ENV } from './state-dir.js';
