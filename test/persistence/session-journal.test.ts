import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeJournalEvent,
  encodeJournalEvent,
  type JournalEvent,
  RecordSealer,
  restoreJournals,
  SessionJournal,
} from '../../enclave/persistence/index.js';
import { MemoryJournalStore } from './memory-store.js';

const sessionId = new Uint8Array(32).fill(7);
const created: JournalEvent = {
  type: 'created',
  at: 1,
  manifest: new Uint8Array([1, 2, 3]),
  hpkePrivateKey: new Uint8Array(32).fill(1),
  signingPrivateKey: new Uint8Array(48).fill(2),
};
const delivered = (i: number): JournalEvent => ({ type: 'delivered', at: i, round: 1, partyId: `p${i}` });

function journalOn(store: MemoryJournalStore, sealKey: Uint8Array) {
  return new SessionJournal({
    sessionId,
    persistence: { store, sealer: new RecordSealer(sealKey, sessionId) },
  });
}

describe('SessionJournal', () => {
  it('batches concurrent events into few appends, in order, applying each as it becomes durable', async () => {
    const store = new MemoryJournalStore();
    const sealKey = new Uint8Array(randomBytes(32));
    const journal = journalOn(store, sealKey);
    const applied: number[] = [];
    const counters = await Promise.all([
      journal.record(created, (c) => applied.push(c)),
      ...Array.from({ length: 199 }, (_, i) => journal.record(delivered(i + 1), (c) => applied.push(c))),
    ]);
    expect(counters).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(applied).toEqual(counters);
    expect(journal.count).toBe(200);
    expect(store.appends).toBeLessThan(10);
    const [restored] = await restoreJournals(store, sealKey);
    expect(restored?.ok && restored.events.map((e) => e.at)).toEqual([
      1,
      ...Array.from({ length: 199 }, (_, i) => i + 1),
    ]);
  });

  it('undoes a batch the store refused outright and goes on from the same place', async () => {
    const store = new MemoryJournalStore();
    const sealKey = new Uint8Array(randomBytes(32));
    const journal = journalOn(store, sealKey);
    await journal.record(created);
    store.failNext = 'STORE_FULL';
    const applied: number[] = [];
    await expect(journal.record(delivered(1), (c) => applied.push(c))).rejects.toMatchObject({
      code: 'STORE_FULL',
    });
    expect(applied).toEqual([]);
    expect(await journal.record(delivered(2))).toBe(1);
    const [restored] = await restoreJournals(store, sealKey);
    expect(restored?.ok && restored.events.map((e) => e.type)).toEqual(['created', 'delivered']);
  });

  it('stops after a failure whose outcome is unknown, refusing everything queued and later', async () => {
    const store = new MemoryJournalStore();
    const journal = journalOn(store, new Uint8Array(randomBytes(32)));
    await journal.record(created);
    store.failNext = 'STORE_UNAVAILABLE';
    const results = await Promise.allSettled([journal.record(delivered(1)), journal.record(delivered(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(journal.record(delivered(3))).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE' });
    expect(store.log).toHaveLength(1);
  });

  it('counts events without a store, so counters mean the same with and without persistence', async () => {
    const journal = new SessionJournal({ sessionId });
    expect(await journal.record(created)).toBe(0);
    expect(await journal.record(delivered(1))).toBe(1);
    expect(journal.count).toBe(2);
  });
});

describe('journal events', () => {
  it('keep function outputs exactly: objects, Maps with any keys, bigints, byte strings, floats', () => {
    const output = {
      mean: 1.5,
      count: 3,
      big: 2n ** 70n,
      members: [new Uint8Array([1, 2]), new Uint8Array(0)],
      histogram: new Map<unknown, unknown>([
        [1, 2],
        ['a', null],
      ]),
      nested: { list: [1, [2, [3]]], flag: false },
    };
    const event: JournalEvent = { type: 'evaluated', at: 5, round: 2, output };
    expect(decodeJournalEvent(encodeJournalEvent(event), 0)).toEqual(event);
  });

  it('refuse what this build cannot read with STATE_UNREADABLE', () => {
    expect(() => decodeJournalEvent(new Uint8Array([0xff]), 3)).toThrow(
      expect.objectContaining({ code: 'STATE_UNREADABLE' }),
    );
    const unknown = encodeJournalEvent({ ...delivered(1), type: 'teleported' } as unknown as JournalEvent);
    expect(() => decodeJournalEvent(unknown, 3)).toThrow(
      expect.objectContaining({ code: 'STATE_UNREADABLE' }),
    );
  });
});
