import { isSystemCallError } from '../../native/index.js';

/** The errno name of a socket failure (`ECONNREFUSED`, ...), from the addon's or Node's errors. */
export function systemErrorCode(error: unknown): string | undefined {
  if (isSystemCallError(error)) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
