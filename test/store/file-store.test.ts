import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFileStore } from '../../parent/store/index.js';
import { StoreError } from '../../protocol/store/index.js';
import { collect, record, recordKey, rejection, scratch } from './support.js';

let space: ReturnType<typeof scratch>;
beforeEach(() => {
  space = scratch();
});
afterEach(() => space.cleanup());

describe('file store', () => {
  it('appends batches, lists them in order, and keeps them across a reopen', async () => {
    const dir = space.path('store');
    const store = await openFileStore(dir);
    await store.append([record('a', 0), record('b', 0, 1000)]);
    await store.append([record('a', 1, 5)]);
    await store.append([]);
    const expected = [record('a', 0), record('b', 0, 1000), record('a', 1, 5)].map(recordKey);
    expect((await collect(store)).map(recordKey)).toEqual(expected);
    await store.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(`${dir}/store.log`).mode & 0o777).toBe(0o600);
    const again = await openFileStore(dir);
    expect((await collect(again)).map(recordKey)).toEqual(expected);
    expect(again.stats()).toMatchObject({ batches: 2, records: 3, sessions: 2, recoveredTornBytes: 0 });
    await again.close();
  });

  it('refuses malformed records with STORE_RECORD_INVALID and writes nothing', async () => {
    const store = await openFileStore(space.path('store'));
    const bad = { ...record('a', 0), sessionId: new Uint8Array(31) };
    const error = await rejection(store.append([record('a', 1), bad]));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('STORE_RECORD_INVALID');
    expect(store.stats().records).toBe(0);
    await store.close();
  });

  it('writes the seal key once', async () => {
    const dir = space.path('store');
    const store = await openFileStore(dir);
    expect(await store.readSealKey()).toBeUndefined();
    await store.writeSealKey(new Uint8Array([1, 2, 3]));
    expect((await rejection(store.writeSealKey(new Uint8Array([4])))).code).toBe('STORE_KEY_EXISTS');
    await store.close();
    const again = await openFileStore(dir);
    expect(await again.readSealKey()).toEqual(new Uint8Array([1, 2, 3]));
    expect(statSync(`${dir}/seal-key`).mode & 0o777).toBe(0o600);
    await again.close();
  });

  it('lets one process at a time serve a directory', async () => {
    const dir = space.path('store');
    const store = await openFileStore(dir);
    expect((await rejection(openFileStore(dir))).code).toBe('STORE_LOCKED');
    await store.close();
    await (await openFileStore(dir)).close();
  });
});
