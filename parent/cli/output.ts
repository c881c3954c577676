import { NitroMpcError } from '../../common/errors.js';
import { CliError, EXIT } from './errors.js';

/** Prints one JSON object on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reports a failure the way every command does: `--json` prints `{"valid":false,...}`-style objects on stdout,
 * otherwise a line on stderr with the code. Returns the exit code: 2 for usage and I/O, 1 for a refusal.
 */
export function reportFailure(error: unknown, json: boolean, extra: Record<string, unknown> = {}): number {
  const known = error instanceof NitroMpcError;
  const code = known ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    printJson({ ...extra, code, message, ...(known && error.details ? { details: error.details } : {}) });
  } else {
    process.stderr.write(`error ${code}: ${message}\n`);
  }
  if (error instanceof CliError) return EXIT.usage;
  return known ? EXIT.refused : EXIT.usage;
}
