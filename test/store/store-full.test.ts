/** A full disk or quota fails the append with STORE_FULL, leaves no trace of it, and the store keeps serving. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeFileOps, openFileStore, serveSealedStore } from '../../parent/store/index.js';
import { connectSealedStore, StoreError } from '../../protocol/store/index.js';
import { collect, record, recordKey, rejection, scratch, sessionId } from './support.js';

let space: ReturnType<typeof scratch>;
beforeEach(() => {
  space = scratch();
});
afterEach(() => space.cleanup());

function noSpace(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

describe('STORE_FULL', () => {
  it('refuses an append beyond --max-bytes, says what it needed, and accepts appends once room is freed', async () => {
    const store = await openFileStore(space.path('store'), { maxBytes: 20_000 });
    await store.append([record('old', 0, 10_000)]);
    const error = await rejection(store.append([record('new', 0, 15_000)]));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('STORE_FULL');
    expect(error.message).toMatch(/needs 15100 bytes and \d+ of the 20000-byte quota are left/);
    await store.append([record('small', 0, 100)]);
    await store.dropSession(sessionId('old'));
    await store.append([record('new', 0, 15_000)]);
    expect((await collect(store)).map(recordKey)).toEqual(
      [record('small', 0, 100), record('new', 0, 15_000)].map(recordKey),
    );
    await store.close();
  });

  it('fails only the appends that do not fit when a group would overflow the quota', async () => {
    const store = await openFileStore(space.path('store'), { maxBytes: 5_000 });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => store.append([record('g', i, 1_000)])),
    );
    const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
    expect(fulfilled).toBeGreaterThan(0);
    expect(fulfilled).toBeLessThan(10);
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as StoreError).code).toBe('STORE_FULL');
    expect((await collect(store)).length).toBe(fulfilled);
    await store.close();
  });

  it('truncates a batch the disk refused midway (ENOSPC after a short write) and keeps serving', async () => {
    const dir = space.path('store');
    let failNext = false;
    const store = await openFileStore(dir, {
      fileOps: {
        async writev(handle: FileHandle, buffers: readonly Uint8Array[], position: number) {
          if (!failNext) return nodeFileOps.writev(handle, buffers, position);
          failNext = false;
          await nodeFileOps.writev(handle, [(buffers[0] as Uint8Array).subarray(0, 10)], position);
          throw noSpace();
        },
      },
    });
    await store.append([record('a', 0)]);
    const size = statSync(`${dir}/store.log`).size;
    failNext = true;
    const error = await rejection(store.append([record('a', 1)]));
    expect(error.code).toBe('STORE_FULL');
    expect(error.message).toMatch(
      /the disk is full: the write needs \d+ bytes and the file system has \d+ bytes free/,
    );
    expect(statSync(`${dir}/store.log`).size).toBe(size);
    await store.append([record('a', 2)]);
    await store.close();
    const again = await openFileStore(dir);
    expect((await collect(again)).map((r) => r.counter)).toEqual([0, 2]);
    expect(again.stats().recoveredTornBytes).toBe(0);
    await again.close();
  });

  it('stops writing after a failed fsync (STORE_IO) until restarted; reads go on', async () => {
    const dir = space.path('store');
    let failSync = false;
    const store = await openFileStore(dir, {
      fileOps: {
        async sync(handle: FileHandle) {
          if (failSync) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
          return nodeFileOps.sync(handle);
        },
      },
    });
    await store.append([record('a', 0)]);
    failSync = true;
    expect((await rejection(store.append([record('a', 1)]))).code).toBe('STORE_IO');
    failSync = false;
    const refused = await rejection(store.append([record('a', 2)]));
    expect(refused.code).toBe('STORE_IO');
    expect(refused.message).toMatch(/until it is restarted/);
    expect(store.stats().failed).toBeDefined();
    expect((await collect(store)).map((r) => r.counter)).toEqual([0]);
    await store.close();
    const again = await openFileStore(dir);
    await again.append([record('a', 3)]);
    // The batch whose fsync failed may or may not have reached the disk; it is whole or absent, never half.
    expect((await collect(again)).map((r) => r.counter)).toEqual(expect.arrayContaining([0, 3]));
    await again.close();
  });

  it('survives a real ENOSPC on a full tmpfs, for inline and uploaded appends over the wire', async (context) => {
    const mount = space.path('tiny');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      context.skip('mounting a 1 MiB tmpfs is not permitted here (needs root and CAP_SYS_ADMIN)');
      return;
    }
    try {
      // Ballast stands for other files on the disk; deleting it is the operator freeing space.
      writeFileSync(`${mount}/ballast`, Buffer.alloc(500 * 1024));
      const store = await openFileStore(`${mount}/store`);
      const server = await serveSealedStore(store, `unix://${space.path('s.sock')}`);
      const client = await connectSealedStore(server.address);
      await client.append([record('first', 0, 200_000)]);
      const log = `${mount}/store/store.log`;
      const size = statSync(log).size;
      const uploaded = await rejection(client.append([record('big', 0, 400_000)]));
      expect(uploaded.code).toBe('STORE_FULL');
      expect(uploaded.message).toMatch(/the disk is full/);
      expect(statSync(log).size).toBe(size);
      let full: { code?: string } | undefined;
      for (let i = 0; i < 10 && full === undefined; i++)
        full = await client.append([record('fill', i, 60_000)]).then(
          () => undefined,
          (error: { code?: string }) => error,
        );
      expect(full?.code).toBe('STORE_FULL');
      const before = (await collect(client)).map(recordKey);
      // Compaction needs room for a copy of what it keeps: refused on the full disk, the old log untouched.
      const compaction = await rejection(client.dropSession(sessionId('first')));
      expect(compaction.code).toBe('STORE_FULL');
      expect((await collect(client)).map(recordKey)).toEqual(before);
      unlinkSync(`${mount}/ballast`);
      await client.dropSession(sessionId('first'));
      await client.append([record('big', 0, 400_000)]);
      const listed = (await collect(client)).map(recordKey);
      expect(listed).not.toContain(recordKey(record('first', 0, 200_000)));
      expect(listed).toContain(recordKey(record('big', 0, 400_000)));
      await client.close();
      await server.close();
      await store.close();
      const again = await openFileStore(`${mount}/store`);
      expect(again.stats().recoveredTornBytes).toBe(0);
      expect((await collect(again)).map(recordKey)).toEqual(listed);
      await again.close();
    } finally {
      execFileSync('umount', ['-l', mount]); // lazy: a failed assertion may leave a file open
    }
  });
});
