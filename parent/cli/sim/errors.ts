import { NitroMpcError } from '../../../common/errors.js';

export const SIM_PROCESS_ERROR_CODES = [
  /** The background simulator did not come up; the message carries the end of its log. */
  'SIM_START_FAILED',
  /** The simulator process did not stop when asked. */
  'SIM_STOP_FAILED',
  /** The state directory holds a sim.json that is not ours or is damaged. */
  'SIM_STATE_INVALID',
] as const;

export type SimProcessErrorCode = (typeof SIM_PROCESS_ERROR_CODES)[number];

export class SimProcessError extends NitroMpcError<SimProcessErrorCode> {}
