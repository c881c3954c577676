/** A 64 MiB batch goes through the server in bounded memory: written as it arrives, committed by its trailer. */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileStore, serveSealedStore } from '../../parent/store/index.js';
import { connectSealedStore, type SealedRecord } from '../../protocol/store/index.js';
import { record, rejection, scratch, sessionId } from './support.js';

let space: ReturnType<typeof scratch>;
beforeEach(() => {
  space = scratch();
});
afterEach(() => space.cleanup());

const MiB = 1024 * 1024;

function digest(r: SealedRecord): string {
  return createHash('sha256').update(r.sealed).digest('hex');
}

describe('large batches', { timeout: 120_000 }, () => {
  it('streams a 64 MiB batch to disk with the server holding at most a few MiB of it', async () => {
    const store = await openFileStore(space.path('store'));
    const server = await serveSealedStore(store, `unix://${space.path('s.sock')}`);
    const client = await connectSealedStore(server.address);
    await client.append([record('small', 0)]);
    const big: SealedRecord[] = [
      { sessionId: sessionId('psi'), counter: 0, sealed: new Uint8Array(30 * MiB).fill(7) },
      ...Array.from({ length: 34 }, (_, i) => record('psi', i + 1, MiB)),
    ];
    await client.append(big);
    const stats = server.stats();
    // The frame decoder holds one frame, the upload at most its 4 chunks of 64 KiB, the store one 1 MiB write buffer.
    expect(stats.peakFrameBytesBuffered).toBeLessThanOrEqual(MiB);
    expect(stats.peakUploadBytesBuffered).toBeLessThanOrEqual(4 * 64 * 1024 + 64 * 1024);
    expect(stats.store.peakBufferedBytes).toBeLessThanOrEqual(2 * MiB);
    expect(stats.store.logBytes).toBeGreaterThan(64 * MiB);
    const back: SealedRecord[] = [];
    for await (const r of client.records()) back.push(r);
    expect(back.map(digest)).toEqual([record('small', 0), ...big].map(digest));
    await client.close();
    await server.close();
    await store.close();
  });

  it('keeps nothing of a big batch whose sender disappears midway', async () => {
    const store = await openFileStore(space.path('store'));
    const server = await serveSealedStore(store, `unix://${space.path('s.sock')}`);
    const client = await connectSealedStore(server.address);
    await client.append([record('kept', 0)]);
    const before = store.stats().logBytes;
    const sending = client.append([record('lost', 0, 48 * MiB)]);
    // Close the connection from the server side once part of the upload has been written.
    while (store.stats().bufferedBytes === 0) await new Promise((r) => setImmediate(r));
    await server.close();
    expect((await rejection(sending)).code).toBe('STORE_UNAVAILABLE');
    // The queue settles the failed upload by truncating it away.
    await store.append([record('after', 0)]);
    const counters: string[] = [];
    for await (const r of store.records())
      counters.push(Buffer.from(r.sessionId).toString('hex').slice(0, 6));
    expect(counters).toEqual(
      [sessionId('kept'), sessionId('after')].map((s) => Buffer.from(s).toString('hex').slice(0, 6)),
    );
    expect(store.stats().logBytes).toBeLessThan(before + 1000);
    await client.close();
    await store.close();
  });
});
