/**
 * The parent's store as a test double for in-process session tests, with the knobs a hostile parent has: it can
 * fail appends, and it can hand back any records it likes. Kill tests use the real file store and processes.
 */

import type { JournalRecord, JournalStore } from '../../enclave/persistence/index.js';
import { StoreLikeError } from './store-like-error.js';

export class MemoryJournalStore implements JournalStore {
  readonly log: JournalRecord[] = [];
  sealKey: Uint8Array | undefined;
  appends = 0;
  /** The next append fails with this store error code (then the store works again). */
  failNext: string | undefined;
  /** What `records()` hands back, if set: a hostile parent's version of the log. */
  serve: JournalRecord[] | undefined;

  async readSealKey() {
    return this.sealKey;
  }

  async writeSealKey(blob: Uint8Array) {
    if (this.sealKey) throw new StoreLikeError('STORE_KEY_EXISTS', 'a seal key is already stored');
    this.sealKey = blob;
  }

  async append(records: readonly JournalRecord[]) {
    await new Promise((resolve) => setImmediate(resolve));
    this.appends += 1;
    const failure = this.failNext;
    if (failure) {
      this.failNext = undefined;
      throw new StoreLikeError(failure, `injected ${failure}`);
    }
    this.log.push(...records.map((r) => ({ ...r, sealed: new Uint8Array(r.sealed) })));
  }

  async *records() {
    yield* this.serve ?? this.log;
  }

  async dropSession(sessionId: Uint8Array) {
    const keep = this.log.filter((r) => Buffer.compare(r.sessionId, sessionId) !== 0);
    this.log.splice(0, this.log.length, ...keep);
  }

  async close() {}
}
