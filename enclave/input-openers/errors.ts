import { NitroMpcError } from '../../common/errors.js';

export const INPUT_OPENER_ERROR_CODES = [
  /** The worker thread opening the input stopped before answering: nothing was kept, the party may resend. */
  'INPUT_OPENER_FAILED',
] as const;

export type InputOpenerErrorCode = (typeof INPUT_OPENER_ERROR_CODES)[number];

export class InputOpenerError extends NitroMpcError<InputOpenerErrorCode> {}
