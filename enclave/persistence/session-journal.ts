import { NitroMpcError } from '../../common/errors.js';
import { PersistenceError } from './errors.js';
import { encodeJournalEvent, type JournalEvent } from './journal-events.js';
import { DEFINITE_STORE_FAILURES, type JournalRecord, type JournalStore } from './journal-store.js';
import { GENESIS_DIGEST, type RecordSealer, recordDigest } from './record-seal.js';

/** Applies a recorded event to the session's memory, at the moment it became durable (in journal order). */
export type ApplyEvent = (counter: number) => void;

interface Pending {
  readonly event: JournalEvent;
  readonly apply: ApplyEvent | undefined;
  readonly resolve: (counter: number) => void;
  readonly reject: (error: unknown) => void;
}

/** Where a journal stands: records durable so far, and the digest the next record is chained to. */
export interface JournalHead {
  readonly count: number;
  readonly digest: Uint8Array;
}

export interface SessionJournalOptions {
  readonly sessionId: Uint8Array;
  /** Absent: the enclave runs without persistence; events are only counted (the counter still proves order). */
  readonly persistence?: { readonly store: JournalStore; readonly sealer: RecordSealer };
  readonly head?: JournalHead;
  /** Told once when a store failure leaves the journal's state unknown (the enclave should restart). */
  readonly onHalt?: (error: unknown) => void;
}

/**
 * One session's journal: events sealed in order, chained, and appended to the parent's store. `record` resolves
 * only once the event is durable. Events arriving while a write is in flight go out together in the next batch
 * (one fsync for many parties). A batch the store refused outright is undone as a whole; after a failure whose
 * outcome is unknown (the store went away mid-write) the journal stops: continuing could fork the chain.
 */
export class SessionJournal {
  private durable: JournalHead;
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private halted: unknown;

  constructor(private readonly options: SessionJournalOptions) {
    this.durable = options.head ?? { count: 0, digest: GENESIS_DIGEST };
  }

  /** Records durable so far: what a party's acknowledgement and a signed status report. */
  get count(): number {
    return this.durable.count;
  }

  /**
   * Makes `event` durable, then runs `apply` (synchronously, in journal order, before any later event's) and
   * resolves with the event's counter. Applying on durability keeps memory and journal in the same order, so a
   * replay after a restart rebuilds exactly what parties were told.
   */
  record(event: JournalEvent, apply?: ApplyEvent): Promise<number> {
    if (this.halted !== undefined) return Promise.reject(this.haltError());
    if (!this.options.persistence) {
      const counter = this.durable.count;
      this.durable = { count: counter + 1, digest: this.durable.digest };
      apply?.(counter);
      return Promise.resolve(counter);
    }
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ event, apply, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** Resolves once every event recorded so far is durable (or refused). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private haltError(): PersistenceError {
    return new PersistenceError(
      'STATE_UNAVAILABLE',
      "the parent's store failed mid-write: this enclave accepts no changes until it restarts and reconciles",
    );
  }

  private async drain(): Promise<void> {
    const persistence = this.options.persistence;
    try {
      while (persistence && this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        let head = this.durable;
        const records: JournalRecord[] = [];
        for (const pending of batch) {
          const plaintext = encodeJournalEvent(pending.event);
          const sealed = persistence.sealer.seal(head.count, head.digest, plaintext);
          plaintext.fill(0);
          records.push({ sessionId: this.options.sessionId, counter: head.count, sealed });
          head = { count: head.count + 1, digest: recordDigest(sealed) };
        }
        try {
          await persistence.store.append(records);
        } catch (error) {
          const definite = error instanceof NitroMpcError && DEFINITE_STORE_FAILURES.has(error.code);
          if (!definite) {
            this.halted = error;
            this.options.onHalt?.(error);
          }
          const reason = definite ? error : this.haltError();
          for (const pending of [...batch, ...(definite ? [] : this.queue)]) pending.reject(reason);
          if (!definite) this.queue = [];
          continue;
        }
        const first = this.durable.count;
        this.durable = head;
        batch.forEach((pending, i) => {
          try {
            pending.apply?.(first + i);
            pending.resolve(first + i);
          } catch (error) {
            pending.reject(error);
          }
        });
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** The session was destroyed: its records go, and its seal key with them. */
  async drop(): Promise<void> {
    await this.settled();
    const persistence = this.options.persistence;
    if (!persistence) return;
    await persistence.store.dropSession(this.options.sessionId);
    persistence.sealer.discard();
  }
}
