import type { SealedRecord, SealedStore } from '../../protocol/store/index.js';

/**
 * The parent's append-only store as the enclave's journal uses it (`protocol/store`). The parent is untrusted:
 * everything it returns is checked (seal, session, counter chain) before use.
 */
export type JournalStore = SealedStore;
export type JournalRecord = SealedRecord;

/**
 * Store failures after which nothing was written (the store guarantees all-or-none for these), so the journal
 * can go on. Any other failure leaves the outcome unknown.
 */
export const DEFINITE_STORE_FAILURES: ReadonlySet<string> = new Set([
  'STORE_FULL',
  'STORE_RECORD_INVALID',
  'STORE_BATCH_TOO_LARGE',
]);
