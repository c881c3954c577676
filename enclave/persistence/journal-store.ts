/**
 * What the enclave needs from the parent's append-only store (`protocol/store`'s `SealedStore` has this shape).
 * The parent is untrusted: everything it returns is checked (seal, session, counter chain) before use.
 */
export interface JournalRecord {
  /** The session's id (public: SHA-256 of its manifest). */
  readonly sessionId: Uint8Array;
  /** Position of the record in its session's journal, from 0, without gaps. */
  readonly counter: number;
  /** AES-256-GCM output: opaque to the parent. */
  readonly sealed: Uint8Array;
}

export interface JournalStore {
  /** The KMS ciphertext of the seal key, stored at first start. */
  readSealKey(): Promise<Uint8Array | undefined>;
  writeSealKey(blob: Uint8Array): Promise<void>;
  /** Durable (fsync'd) when it resolves; all records or none. */
  append(records: readonly JournalRecord[]): Promise<void>;
  records(): AsyncIterable<JournalRecord>;
  dropSession(sessionId: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/**
 * Store failures after which nothing was written (the store guarantees all-or-none for these), so the journal
 * can go on. Any other failure leaves the outcome unknown.
 */
export const DEFINITE_STORE_FAILURES: ReadonlySet<string> = new Set(['STORE_FULL', 'STORE_RECORD_INVALID']);
