import { NitroMpcError } from '../../common/errors.js';

/** Why sealed state could not be written or read back. Messages name what to do, never what the state holds. */
export const PERSISTENCE_ERROR_CODES = [
  /**
   * The parent's store does not hold the state this enclave wrote, as it wrote it: records missing, reordered,
   * duplicated, altered, or moved from another session. The parent rolled state back, swapped or edited it.
   */
  'STATE_ROLLBACK',
  /** The seal key could not be obtained from KMS, or the store cannot be reached: nothing is acknowledged. */
  'STATE_UNAVAILABLE',
  /** A sealed record holds something this build cannot read (a newer format). */
  'STATE_UNREADABLE',
] as const;

export type PersistenceErrorCode = (typeof PERSISTENCE_ERROR_CODES)[number];

export class PersistenceError extends NitroMpcError<PersistenceErrorCode> {}
