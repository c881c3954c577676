/** A failed file operation as STORE_IO, naming what was being done and the system code (never a path's contents). */
import { StoreError } from '../../protocol/store/errors.js';
import { systemCode } from './file-io.js';

export function ioError(what: string, cause: unknown): StoreError {
  return new StoreError('STORE_IO', `${what} failed (${systemCode(cause) ?? 'error'})`, {
    cause,
    details: { systemCode: systemCode(cause) },
  });
}
