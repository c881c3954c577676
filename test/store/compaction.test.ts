/** dropSession rewrites the log without the session, serialized with appends, and fails cleanly. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileOps, openFileStore } from '../../parent/store/index.js';
import { collect, record, recordKey, rejection, scratch, sessionId } from './support.js';

let space: ReturnType<typeof scratch>;
let dir: string;
beforeEach(() => {
  space = scratch();
  dir = space.path('store');
});
afterEach(() => space.cleanup());

describe('dropSession', () => {
  it('removes every record of the session, keeps the others in order, and shrinks the log durably', async () => {
    const store = await openFileStore(dir);
    const batches = [
      [record('a', 0), record('b', 0, 3000)],
      [record('a', 1, 9000)],
      [record('b', 1), record('c', 0), record('a', 2)],
    ];
    for (const batch of batches) await store.append(batch);
    const size = statSync(`${dir}/store.log`).size;
    await store.dropSession(sessionId('a'));
    const kept = [record('b', 0, 3000), record('b', 1), record('c', 0)].map(recordKey);
    expect((await collect(store)).map(recordKey)).toEqual(kept);
    expect(statSync(`${dir}/store.log`).size).toBeLessThan(size);
    expect(store.stats()).toMatchObject({ batches: 2, records: 3, sessions: 2, compactions: 1 });
    await store.dropSession(sessionId('never-stored'));
    expect(store.stats().compactions).toBe(1);
    await store.close();
    const again = await openFileStore(dir);
    expect((await collect(again)).map(recordKey)).toEqual(kept);
    expect(again.sessions().map((s) => s.sessionId)).not.toContain(
      Buffer.from(sessionId('a')).toString('hex'),
    );
    await again.close();
    expect(statSync(`${dir}/store.log`).mode & 0o777).toBe(0o600);
  });

  it('is serialized with appends: appends issued during a drop all land, in order, after it', async () => {
    const store = await openFileStore(dir);
    for (let i = 0; i < 20; i++) await store.append([record('gone', i, 100_000), record('stay', i)]);
    const dropping = store.dropSession(sessionId('gone'));
    const during = Array.from({ length: 50 }, (_, i) => record('new', i));
    await Promise.all([dropping, ...during.map((r) => store.append([r]))]);
    const listed = (await collect(store)).map(recordKey);
    expect(listed).toEqual([
      ...Array.from({ length: 20 }, (_, i) => recordKey(record('stay', i))),
      ...during.map(recordKey),
    ]);
    await store.close();
  });

  it('lets a listing opened before the drop finish on the old log', async () => {
    const store = await openFileStore(dir);
    await store.append([record('a', 0), record('b', 0)]);
    const listing = store.records()[Symbol.asyncIterator]();
    const first = await listing.next();
    await store.dropSession(sessionId('b'));
    const second = await listing.next();
    expect([first.value, second.value].map((r) => r && recordKey(r))).toEqual(
      [record('a', 0), record('b', 0)].map(recordKey),
    );
    expect((await collect(store)).map(recordKey)).toEqual([recordKey(record('a', 0))]);
    await store.close();
  });

  it('leaves the old log untouched when the copy fails (no space), and the drop can be retried', async () => {
    let failCopy = false;
    const store = await openFileStore(dir, {
      fileOps: {
        async writev(handle: FileHandle, buffers: readonly Uint8Array[], position: number) {
          if (failCopy) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
          return nodeFileOps.writev(handle, buffers, position);
        },
      },
    });
    await store.append([record('a', 0), record('b', 0)]);
    failCopy = true;
    const error = await rejection(store.dropSession(sessionId('a')));
    expect(error.code).toBe('STORE_FULL');
    expect(error.message).toMatch(/compaction/);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    failCopy = false;
    expect((await collect(store)).length).toBe(2);
    await store.append([record('c', 0)]);
    await store.dropSession(sessionId('a'));
    expect((await collect(store)).map(recordKey)).toEqual([record('b', 0), record('c', 0)].map(recordKey));
    await store.close();
    expect(existsSync(`${dir}/store.log.compact.tmp`)).toBe(false);
  });
});
