import { NitroMpcError } from '../../../common/errors.js';
import { CliError, EXIT } from '../errors.js';
import { printJson } from '../output.js';
import type { PartyCliErrorCode } from './errors.js';
import { hintFor } from './hints.js';

/** Codes that mean "fix how you called it" (exit 2) rather than "refused" (exit 1). */
const USAGE_CODES: ReadonlySet<PartyCliErrorCode | string> = new Set([
  'ENDPOINT_REQUIRED',
  'INPUT_FILE_INVALID',
  'KEY_FILE_INVALID',
]);

/**
 * Reports a failure: with --json one object `{ok:false, code, message, hint}` on stdout, otherwise a line on
 * stderr and the hint under it. Returns the exit code.
 */
export function reportPartyFailure(error: unknown, json: boolean): number {
  const known = error instanceof NitroMpcError;
  const code = known ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  const hint = hintFor(code);
  if (json) {
    printJson({
      ok: false,
      code,
      message,
      ...(hint === undefined ? {} : { hint }),
      ...(known && error.details ? { details: error.details } : {}),
    });
  } else {
    process.stderr.write(`error ${code}: ${message}\n${hint === undefined ? '' : `hint: ${hint}\n`}`);
  }
  return error instanceof CliError || USAGE_CODES.has(code) || !known ? EXIT.usage : EXIT.refused;
}

/** Prints the outcome: JSON with --json, else the human lines. */
export function printOutcome(json: boolean, value: Record<string, unknown>, human: readonly string[]): void {
  if (json) printJson(value);
  else process.stdout.write(`${human.join('\n')}\n`);
}

/** Progress only for a person watching: on a TTY and never with --json. */
export function progress(json: boolean): (line: string) => void {
  if (json || !process.stderr.isTTY) return () => {};
  return (line) => process.stderr.write(`\r\u001b[2K${line}`);
}

/** Values from the enclave as JSON: maps become objects, bytes hex, bigints strings. */
export function toJsonValue(value: unknown): unknown {
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonValue(v)]));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  return value;
}
