/** What a reopen finds after a crash or damage: torn tails go, damaged acknowledged data is refused. */
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileStore } from '../../parent/store/index.js';
import { collect, record, recordKey, rejection, scratch } from './support.js';

let space: ReturnType<typeof scratch>;
let dir: string;
let log: string;
beforeEach(() => {
  space = scratch();
  dir = space.path('store');
  log = `${dir}/store.log`;
});
afterEach(() => space.cleanup());

/** Three batches; returns where each one starts and where the log ends. */
async function threeBatches(): Promise<{ starts: number[]; end: number }> {
  const store = await openFileStore(dir);
  const starts: number[] = [];
  for (const batch of [[record('a', 0, 300)], [record('a', 1, 5000), record('b', 0)], [record('b', 1, 40)]]) {
    starts.push(store.stats().logBytes);
    await store.append(batch);
  }
  const end = store.stats().logBytes;
  await store.close();
  return { starts, end };
}

const firstTwo = [record('a', 0, 300), record('a', 1, 5000), record('b', 0)].map(recordKey);
const all = [...firstTwo, recordKey(record('b', 1, 40))];

function flipByte(at: number): void {
  const bytes = readFileSync(log);
  bytes[at] = (bytes[at] as number) ^ 0x5a;
  writeFileSync(log, bytes);
}

describe('opening after a crash', () => {
  it.each([
    ['in its header', 10],
    ['in its body', 100],
    ['just before its trailer', -1],
  ])('truncates a last batch cut short %s, keeping every batch before it', async (_where, cut) => {
    const { starts, end } = await threeBatches();
    const last = starts[2] as number;
    truncateSync(log, cut < 0 ? end - 1 : last + cut);
    const store = await openFileStore(dir);
    expect((await collect(store)).map(recordKey)).toEqual(firstTwo);
    expect(store.stats().recoveredTornBytes).toBe(cut < 0 ? end - 1 - last : cut);
    expect(statSync(log).size).toBe(last);
    // The store appends after the repaired end as usual.
    await store.append([record('c', 0)]);
    await store.close();
    const again = await openFileStore(dir);
    expect((await collect(again)).map(recordKey)).toEqual([...firstTwo, recordKey(record('c', 0))]);
    await again.close();
  });

  it('truncates a last batch whose bytes are garbage (written size, lost data)', async () => {
    const { starts, end } = await threeBatches();
    const bytes = readFileSync(log);
    bytes.fill(0, (starts[2] as number) + 4, end - 8);
    writeFileSync(log, bytes);
    const store = await openFileStore(dir);
    expect((await collect(store)).map(recordKey)).toEqual(firstTwo);
    await store.close();
  });

  it('refuses to serve when a batch in the middle is damaged (STORE_CORRUPT), changing nothing', async () => {
    const { starts, end } = await threeBatches();
    flipByte((starts[1] as number) + 200);
    const error = await rejection(openFileStore(dir));
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toMatch(new RegExp(`batch at byte ${starts[1]} is damaged`));
    expect(statSync(log).size).toBe(end);
  });

  it('refuses a damaged batch header in the middle too (the next batch is found by its magic)', async () => {
    const { starts } = await threeBatches();
    flipByte((starts[1] as number) + 13);
    expect((await rejection(openFileStore(dir))).code).toBe('STORE_CORRUPT');
  });

  it('refuses a file that is not a store log', async () => {
    await threeBatches();
    flipByte(2);
    expect((await rejection(openFileStore(dir))).code).toBe('STORE_CORRUPT');
  });

  it('refuses a damaged seal-key file on read', async () => {
    const store = await openFileStore(dir);
    await store.writeSealKey(new Uint8Array([1, 2, 3, 4]));
    const key = readFileSync(`${dir}/seal-key`);
    key[key.length - 1] = 0;
    writeFileSync(`${dir}/seal-key`, key);
    expect((await rejection(store.readSealKey())).code).toBe('STORE_CORRUPT');
    await store.close();
  });

  it('deletes a half-written compaction or seal key left by a crash', async () => {
    await threeBatches();
    writeFileSync(`${dir}/store.log.compact.tmp`, 'half a log');
    writeFileSync(`${dir}/seal-key.tmp`, 'half a key');
    const store = await openFileStore(dir);
    expect((await collect(store)).map(recordKey)).toEqual(all);
    expect(await store.readSealKey()).toBeUndefined();
    await store.close();
    expect(() => statSync(`${dir}/store.log.compact.tmp`)).toThrow();
    expect(() => statSync(`${dir}/seal-key.tmp`)).toThrow();
  });
});
