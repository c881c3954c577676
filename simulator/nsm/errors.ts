import { NitroMpcError } from '../../common/errors.js';

/** Failures of the simulator itself, as opposed to what a real NSM would answer (those are `NsmError`). */
export const NSM_SIMULATOR_ERROR_CODES = [
  /** `createSimulatedNsm` options are unusable (bad PCR value, bad region, no state directory, ...). */
  'NSM_SIMULATOR_OPTIONS_INVALID',
  /** The state directory holds something this simulator cannot use (corrupt, foreign, expired root). */
  'NSM_SIMULATOR_STATE_INVALID',
] as const;

export type NsmSimulatorErrorCode = (typeof NSM_SIMULATOR_ERROR_CODES)[number];

export class NsmSimulatorError extends NitroMpcError<NsmSimulatorErrorCode> {}
