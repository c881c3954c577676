/**
 * simulator/nsm: a Nitro Secure Module for machines without one. Same interface as `openNsmDevice()`, same CBOR
 * on the inside, and attestation documents byte-compatible with real ones, signed by a per-state-directory CA
 * shaped like AWS's (root, regional, zonal, instance, a fresh leaf per document).
 */
export type { SimulatorRootCertificate } from './ca/simulated-ca.js';
export { nsmStateDir, rootCertificatePath } from './ca/store.js';
export { SIMULATED_NSM_VERSION, SIMULATED_RANDOM_BYTES, SimulatedNsmDevice } from './device.js';
export type { PayloadEncoding } from './document.js';
export { NSM_SIMULATOR_ERROR_CODES, NsmSimulatorError, type NsmSimulatorErrorCode } from './errors.js';
export { MODULE_ID_PATTERN } from './identity.js';
export {
  type EnclaveMeasurements,
  extendPcrValue,
  measureEnclaveBundle,
  measureInstanceId,
  PCR_LENGTH,
  SIMULATED_BOOT_IMAGE,
} from './measurements.js';
export type { ConfigurablePcr, PcrValueInput, SimulatedNsmOptions } from './options.js';
export { BOOT_LOCKED_PCRS, SIMULATED_MAX_PCRS } from './pcr-bank.js';
export {
  createSimulatedNsm,
  createSimulatedNsmDevice,
  SimulatedNsm,
  type SimulatedNsmFacts,
  simulatorRootCertificate,
} from './simulated-nsm.js';
