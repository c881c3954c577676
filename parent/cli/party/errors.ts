import { NitroMpcError } from '../../../common/errors.js';

export const PARTY_CLI_ERROR_CODES = [
  'KEY_FILE_EXISTS',
  'ENDPOINT_REQUIRED',
  'ENDPOINT_UNREACHABLE',
  'ATTESTATION_REQUIRED',
  'INPUT_FILE_INVALID',
  'FUNCTION_UNKNOWN',
] as const;
export type PartyCliErrorCode = (typeof PARTY_CLI_ERROR_CODES)[number];

/** A party command refused to go on: the code says why, `hintFor` what to do. */
export class PartyCliError extends NitroMpcError<PartyCliErrorCode> {}
