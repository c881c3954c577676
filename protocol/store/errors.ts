import { NitroMpcError } from '../../common/errors.js';

/** Why the sealed store refused or failed. The same codes reach the enclave over the wire. */
export const STORE_ERROR_CODES = [
  /** The disk (or the configured quota) has no room for the batch; nothing of it was kept. */
  'STORE_FULL',
  /** The file system failed (not for lack of space); after a failed fsync the store refuses writes until restarted. */
  'STORE_IO',
  /** The log or the seal-key file fails its checks somewhere other than a torn last batch: data would be lost. */
  'STORE_CORRUPT',
  /** A seal-key blob is already stored; it is written once. */
  'STORE_KEY_EXISTS',
  /** The store cannot be reached, or the connection was lost (an append in flight then has an unknown outcome). */
  'STORE_UNAVAILABLE',
  /** A record is malformed: session id not 32 bytes, counter not a safe unsigned integer, empty or oversized data. */
  'STORE_RECORD_INVALID',
  /** A batch has more records or bytes than one batch may hold. */
  'STORE_BATCH_TOO_LARGE',
  /** A request does not match the store protocol. */
  'STORE_REQUEST_INVALID',
  /** Too many readers, connections or uploads at once; retry after others finish. */
  'STORE_BUSY',
  /** An upload stalled longer than the store waits for it; the batch was dropped. */
  'STORE_TIMEOUT',
  /** Another live process serves this directory. */
  'STORE_LOCKED',
  /** The store was closed. */
  'STORE_CLOSED',
  /** Options given to the store, its server or its client are invalid. */
  'STORE_OPTIONS_INVALID',
] as const;

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];

export class StoreError extends NitroMpcError<StoreErrorCode> {}

export function isStoreErrorCode(code: string): code is StoreErrorCode {
  return (STORE_ERROR_CODES as readonly string[]).includes(code);
}
