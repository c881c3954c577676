import { NitroMpcError } from '../../common/errors.js';

/** Why the function library refused or failed. Details name parties, fields and limits, never input values. */
export const FUNCTION_ERROR_CODES = [
  /** No function with this id and version is in the library. */
  'FUNCTION_UNKNOWN',
  /** The measurement pinned by the manifest differs from the code this enclave runs. */
  'FUNCTION_MEASUREMENT_MISMATCH',
  /** The agreed parameters do not match the function's parameter schema. */
  'FUNCTION_PARAMETERS_INVALID',
  /** A party's input does not match the input schema, its size limits, or the agreed parameters. */
  'FUNCTION_INPUT_INVALID',
  /** Too few or too many parties provided input for this function. */
  'FUNCTION_PARTIES_INVALID',
  /** The recipient's view is not one the function offers. */
  'FUNCTION_VIEW_UNKNOWN',
  /** The inputs are valid but the result is mathematically undefined (mean of nothing, singular OLS, overflow). */
  'FUNCTION_RESULT_UNDEFINED',
  /** The implementation threw or produced an output outside its schema: a bug, never the parties' fault. */
  'FUNCTION_EVALUATION_FAILED',
] as const;

export type FunctionErrorCode = (typeof FUNCTION_ERROR_CODES)[number];

export class FunctionError extends NitroMpcError<FunctionErrorCode> {}
