export { PERSISTENCE_ERROR_CODES, PersistenceError, type PersistenceErrorCode } from './errors.js';
export { decodeJournalEvent, encodeJournalEvent, type JournalEvent } from './journal-events.js';
export { DEFINITE_STORE_FAILURES, type JournalRecord, type JournalStore } from './journal-store.js';
export { GENESIS_DIGEST, RecordSealer, recordDigest } from './record-seal.js';
export { isStoreFailure, type RestoredJournal, restoreJournals } from './restore.js';
export { obtainSealKey, SEAL_KEY_CONTEXT, type SealKeyKms } from './seal-key.js';
export {
  type ApplyEvent,
  type JournalHead,
  SessionJournal,
  type SessionJournalOptions,
} from './session-journal.js';
