import { bytesToHex } from '../../common/bytes.js';
import { NitroMpcError } from '../../common/errors.js';
import { PersistenceError } from './errors.js';
import { decodeJournalEvent, type JournalEvent } from './journal-events.js';
import type { JournalStore } from './journal-store.js';
import { GENESIS_DIGEST, RecordSealer, recordDigest } from './record-seal.js';
import type { JournalHead } from './session-journal.js';

/** One session as the store gave it back: its events in order, or why it cannot be trusted. */
export type RestoredJournal =
  | {
      readonly ok: true;
      readonly sessionId: Uint8Array;
      readonly events: JournalEvent[];
      readonly head: JournalHead;
      readonly sealer: RecordSealer;
    }
  | { readonly ok: false; readonly sessionId: Uint8Array; readonly error: PersistenceError };

interface Chain {
  readonly sessionId: Uint8Array;
  readonly sealer: RecordSealer;
  head: JournalHead;
  events: JournalEvent[];
  error?: PersistenceError;
}

/**
 * Reads every record back and rebuilds each session's event list, checking what the parent could have done:
 * a record out of place (counters must run 0, 1, 2, ... per session), or one that does not open where it stands
 * (altered, moved from another session or position, or following another predecessor), is `STATE_ROLLBACK`.
 * One bad session does not stop the others.
 */
export async function restoreJournals(store: JournalStore, sealKey: Uint8Array): Promise<RestoredJournal[]> {
  const chains = new Map<string, Chain>();
  for await (const record of store.records()) {
    const key = bytesToHex(record.sessionId);
    let chain = chains.get(key);
    if (!chain) {
      chain = {
        sessionId: record.sessionId,
        sealer: new RecordSealer(sealKey, record.sessionId),
        head: { count: 0, digest: GENESIS_DIGEST },
        events: [],
      };
      chains.set(key, chain);
    }
    if (chain.error) continue;
    if (record.counter !== chain.head.count) {
      chain.error = new PersistenceError(
        'STATE_ROLLBACK',
        `the store returned record ${record.counter} of session ${key.slice(0, 16)}… where record ` +
          `${chain.head.count} was due: the parent's store was rolled back, reordered or edited`,
      );
      continue;
    }
    try {
      const plaintext = chain.sealer.open(record.counter, chain.head.digest, record.sealed);
      chain.events.push(decodeJournalEvent(plaintext, record.counter));
      if (chain.events.length === 1 && chain.events[0]?.type !== 'created') {
        throw new PersistenceError(
          'STATE_ROLLBACK',
          `session ${key.slice(0, 16)}… does not start with its creation`,
        );
      }
    } catch (error) {
      chain.error =
        error instanceof PersistenceError
          ? error
          : new PersistenceError('STATE_UNREADABLE', (error as Error).message, { cause: error });
      continue;
    }
    chain.head = { count: chain.head.count + 1, digest: recordDigest(record.sealed) };
  }
  return [...chains.values()].map((chain) =>
    chain.error
      ? { ok: false, sessionId: chain.sessionId, error: chain.error }
      : {
          ok: true,
          sessionId: chain.sessionId,
          events: chain.events,
          head: chain.head,
          sealer: chain.sealer,
        },
  );
}

/** True when `error` is one of the store's own failures (reading the store itself failed, not one session). */
export function isStoreFailure(error: unknown): boolean {
  return error instanceof NitroMpcError && error.code.startsWith('STORE_');
}
