import { NitroMpcError } from '../../common/errors.js';

/** Exit codes every nitro-mpc command uses. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

export const CLI_ERROR_CODES = ['CLI_USAGE', 'CLI_IO'] as const;
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/** A problem with how the command was called or with its files: exit code 2, not a verdict. */
export class CliError extends NitroMpcError<CliErrorCode> {}
