/** Concurrent appends share fsyncs, and each is acknowledged only after the fsync that covers it. */
import type { FileHandle } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileOps, openFileStore, serveSealedStore } from '../../parent/store/index.js';
import { connectSealedStore } from '../../protocol/store/index.js';
import { collect, record, recordKey, scratch } from './support.js';

let space: ReturnType<typeof scratch>;
beforeEach(() => {
  space = scratch();
});
afterEach(() => space.cleanup());

describe('group commit', () => {
  it('writes 500 concurrent appends with far fewer fsyncs, all durable, none acknowledged before its fsync', async () => {
    const dir = space.path('store');
    // The seam counts records on disk at each fsync; an append must never resolve before one that covers it.
    let durableRecords = 0;
    let writtenRecords = 0;
    const store = await openFileStore(dir, {
      fileOps: {
        async writev(handle: FileHandle, buffers: readonly Uint8Array[], position: number) {
          await nodeFileOps.writev(handle, buffers, position);
          // A batch: header, then a header and the sealed bytes per record, then the trailer.
          if (buffers.length > 2) writtenRecords += (buffers.length - 2) / 2;
        },
        async sync(handle: FileHandle) {
          const pending = writtenRecords;
          await nodeFileOps.sync(handle);
          durableRecords = pending;
        },
      },
    });
    let acknowledgedTooEarly = 0;
    let acknowledged = 0;
    const sent = Array.from({ length: 500 }, (_, i) => record(`party-${i % 50}`, i, 100));
    await Promise.all(
      sent.map((r) =>
        store.append([r]).then(() => {
          acknowledged += 1;
          if (acknowledged > durableRecords) acknowledgedTooEarly += 1;
        }),
      ),
    );
    const stats = store.stats();
    expect(acknowledgedTooEarly).toBe(0);
    expect(stats.appends).toBe(500);
    expect(stats.fsyncs).toBeLessThan(stats.appends / 5);
    await store.close();
    const again = await openFileStore(dir);
    expect((await collect(again)).map(recordKey)).toEqual(sent.map(recordKey));
    await again.close();
  });

  it('groups appends arriving over the wire from one enclave connection', async () => {
    const store = await openFileStore(space.path('store'));
    const server = await serveSealedStore(store, `unix://${space.path('s.sock')}`);
    const client = await connectSealedStore(server.address);
    const sent = Array.from({ length: 400 }, (_, i) => record('wire', i, 200));
    await Promise.all(sent.map((r) => client.append([r])));
    const stats = store.stats();
    expect(stats.appends).toBe(400);
    expect(stats.fsyncs).toBeLessThan(stats.appends / 5);
    expect(new Set((await collect(client)).map(recordKey))).toEqual(new Set(sent.map(recordKey)));
    await client.close();
    await server.close();
    await store.close();
  });
});
