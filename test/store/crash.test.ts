/**
 * Durability against a real crash: the store server runs as its own process and is killed with SIGKILL while
 * appends and a compaction are in flight; a new process on the same directory must hold every acknowledged batch,
 * whole, and nothing half-written.
 */
import { existsSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectSealedStore, type SealedRecord, type SealedStore } from '../../protocol/store/index.js';
import { type StoreProcess, startStoreProcess } from './store-process.js';
import { collect, record, recordKey, scratch, sessionId } from './support.js';

let space: ReturnType<typeof scratch>;
let running: StoreProcess[] = [];
beforeEach(() => {
  space = scratch();
  running = [];
});
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  space.cleanup();
});

async function serve(): Promise<StoreProcess> {
  const p = await startStoreProcess(space.path('store'), `unix://${space.path('s.sock')}`);
  running.push(p);
  return p;
}

async function turn(): Promise<void> {
  await new Promise((r) => setTimeout(r, 2));
}

/** Appends `batches` while tracking which ones were acknowledged. */
function appendTracked(
  client: SealedStore,
  batches: SealedRecord[][],
  acked: Set<string>,
): Promise<unknown>[] {
  return batches.map((batch) =>
    client.append(batch).then(
      () => {
        for (const r of batch) acked.add(recordKey(r));
      },
      (error: { code?: string }) => {
        expect(error.code).toBe('STORE_UNAVAILABLE');
      },
    ),
  );
}

describe('SIGKILL of the store process', { timeout: 120_000 }, () => {
  it('keeps every acknowledged batch and drops the torn upload', async () => {
    const first = await serve();
    const client = await connectSealedStore(first.address);
    const sent = new Set<string>();
    const acked = new Set<string>();
    const early = Array.from({ length: 50 }, (_, i) => [record('party', i, 200)]);
    await Promise.all(appendTracked(client, early, acked));
    await client.append([record('upload', 0, 2 * 1024 * 1024)]);
    acked.add(recordKey(record('upload', 0, 2 * 1024 * 1024)));
    for (const b of early) for (const r of b) sent.add(recordKey(r));
    sent.add(recordKey(record('upload', 0, 2 * 1024 * 1024)));
    const logPath = space.path('store/store.log');
    const before = statSync(logPath).size;
    // A 48 MiB upload and a stream of small appends, killed once the upload is half on disk.
    const torn = [record('torn', 0, 24 * 1024 * 1024)];
    const inFlight = [...appendTracked(client, [torn], acked)];
    let i = 0;
    while (statSync(logPath).size < before + 4 * 1024 * 1024) {
      const batch = [record('late', i++, 100)];
      sent.add(recordKey(batch[0] as SealedRecord));
      inFlight.push(...appendTracked(client, [batch], acked));
      await turn();
    }
    await first.stop('SIGKILL');
    await Promise.all(inFlight);
    expect(acked.has(recordKey(torn[0] as SealedRecord))).toBe(false);

    const second = await serve();
    expect(second.opened['recoveredTornBytes']).toBeGreaterThan(0);
    const listed = (await collect(client)).map(recordKey);
    for (const key of acked) expect(listed).toContain(key);
    for (const key of listed) expect(sent.has(key)).toBe(true);
    expect(listed).not.toContain(recordKey(torn[0] as SealedRecord));
    // Acknowledged batches keep their order.
    const order = listed.filter((k) => acked.has(k));
    expect(order.slice(0, 51)).toEqual([
      ...early.map((b) => recordKey(b[0] as SealedRecord)),
      recordKey(record('upload', 0, 2 * 1024 * 1024)),
    ]);
    await client.close();
  });

  it('keeps every acknowledged append when killed amid hundreds of concurrent small appends', async () => {
    const first = await serve();
    const client = await connectSealedStore(first.address);
    const acked = new Set<string>();
    const sent = new Set<string>();
    const inFlight: Promise<unknown>[] = [];
    for (let round = 0; round < 40; round++) {
      const batches = Array.from({ length: 25 }, (_, i) => [record(`p${i}`, round, 150)]);
      for (const b of batches) sent.add(recordKey(b[0] as SealedRecord));
      inFlight.push(...appendTracked(client, batches, acked));
      await turn();
      if (round === 30) void first.stop('SIGKILL');
    }
    await Promise.all(inFlight);
    expect(acked.size).toBeGreaterThan(0);
    await serve();
    const listed = (await collect(client)).map(recordKey);
    for (const key of acked) expect(listed).toContain(key);
    for (const key of listed) expect(sent.has(key)).toBe(true);
    expect(new Set(listed).size).toBe(listed.length);
    await client.close();
  });

  it('leaves the old log or the new one when killed during a compaction, never a mix', async () => {
    const first = await serve();
    let client = await connectSealedStore(first.address);
    const keep = Array.from({ length: 24 }, (_, i) => record('keep', i, 1024 * 1024));
    const drop = Array.from({ length: 8 }, (_, i) => record('drop', i, 1024 * 1024));
    for (let i = 0; i < 24; i++) {
      await client.append([keep[i] as SealedRecord, ...(i < 8 ? [drop[i] as SealedRecord] : [])]);
    }
    const everything = (await collect(client)).map(recordKey);
    const kept = keep.map(recordKey);
    const dropping = client.dropSession(sessionId('drop')).catch((e: { code?: string }) => e.code);
    while (!existsSync(space.path('store/store.log.compact.tmp'))) await turn();
    await turn();
    await first.stop('SIGKILL');
    expect(await dropping).toBe('STORE_UNAVAILABLE');
    await client.close();
    const second = await serve();
    client = await connectSealedStore(second.address);
    const listed = (await collect(client)).map(recordKey);
    expect([everything, kept]).toContainEqual(listed);
    expect(existsSync(space.path('store/store.log.compact.tmp'))).toBe(false);
    // The drop can be repeated and then holds.
    await client.dropSession(sessionId('drop'));
    expect((await collect(client)).map(recordKey)).toEqual(kept);
    await client.close();
  });
});
