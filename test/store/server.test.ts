import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FileStore,
  openFileStore,
  type RunningStoreServer,
  serveSealedStore,
} from '../../parent/store/index.js';
import {
  connectSealedStore,
  encodeRecordHeader,
  type SealedStore,
  StoreError,
} from '../../protocol/store/index.js';
import { connect, FrameChannel } from '../../protocol/transport/index.js';
import { collect, record, recordKey, rejection, scratch, sessionId } from './support.js';

let space: ReturnType<typeof scratch>;
let store: FileStore;
let server: RunningStoreServer;
let client: SealedStore;

beforeEach(async () => {
  space = scratch();
  store = await openFileStore(space.path('store'));
  server = await serveSealedStore(store, `unix://${space.path('store.sock')}`);
  client = await connectSealedStore(server.address);
});

afterEach(async () => {
  await client.close();
  await server.close();
  await store.close();
  space.cleanup();
});

/** A raw frame channel to the server: a peer that need not follow the client's rules. */
async function rawPeer(): Promise<FrameChannel> {
  return new FrameChannel(await connect(server.address));
}

describe('store server and client', () => {
  it('round-trips the seal key, inline and uploaded appends, listing and dropping', async () => {
    expect(await client.readSealKey()).toBeUndefined();
    await client.writeSealKey(new Uint8Array([9, 9, 9]));
    expect(await client.readSealKey()).toEqual(new Uint8Array([9, 9, 9]));
    const small = [record('a', 0), record('b', 0)];
    const big = [record('a', 1, 3 * 1024 * 1024), record('c', 0, 10)];
    await Promise.all([client.append(small), client.append(big), client.append([record('b', 1)])]);
    const listed = (await collect(client)).map(recordKey);
    expect(listed.sort()).toEqual([...small, ...big, record('b', 1)].map(recordKey).sort());
    await client.dropSession(sessionId('a'));
    expect((await collect(client)).map(recordKey).sort()).toEqual(
      [record('b', 0), record('c', 0, 10), record('b', 1)].map(recordKey).sort(),
    );
    expect(store.stats()).toMatchObject({ compactions: 1, sessions: 2 });
  });

  it('keeps append order per caller: sequential appends list in the order they were acknowledged', async () => {
    const sent = [];
    for (let i = 0; i < 20; i++) {
      const batch = [record('s', i, i % 3 === 0 ? 700_000 : 100)];
      await client.append(batch);
      sent.push(...batch);
    }
    expect((await collect(client)).map(recordKey)).toEqual(sent.map(recordKey));
  });

  it('brings store refusals back as StoreError with the same code', async () => {
    await client.writeSealKey(new Uint8Array([1]));
    const error = await rejection(client.writeSealKey(new Uint8Array([2])));
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('STORE_KEY_EXISTS');
    expect(error.message).toMatch(/written once/);
  });

  it('fails with STORE_UNAVAILABLE when the server goes away, and reconnects when it is back', async () => {
    await client.append([record('a', 0)]);
    const address = server.address;
    await server.close();
    const lost = await rejection(client.append([record('a', 1)]));
    expect(lost).toBeInstanceOf(StoreError);
    expect(lost.code).toBe('STORE_UNAVAILABLE');
    expect((await rejection(connectSealedStore(address))).code).toBe('STORE_UNAVAILABLE');
    server = await serveSealedStore(store, address);
    await client.append([record('a', 2)]);
    expect((await collect(client)).map((r) => r.counter)).toEqual([0, 2]);
  });

  it('refuses requests that do not match the protocol without disturbing the store', async () => {
    const peer = await rawPeer();
    for (const body of [
      { op: 'nope' },
      { op: 'append', count: 1, bodyBytes: 10 },
      { op: 'append', count: 1, bodyBytes: 3, body: new Uint8Array(3) },
      { op: 'drop', sessionId: new Uint8Array(5) },
      { op: 'read', reader: 7, maxBytes: 10 },
      { op: 'read-key', extra: 1 },
      'text',
    ]) {
      const error = await rejection(peer.request(body));
      expect((error as { details?: { remoteCode?: string } }).details?.remoteCode).toMatch(
        /^STORE_(REQUEST|RECORD)_INVALID$/,
      );
    }
    await peer.close();
    await client.append([record('ok', 0)]);
    expect(store.stats().records).toBe(1);
  });

  it('drops an upload whose length or records do not match its request, keeping the log as it was', async () => {
    await client.append([record('a', 0)]);
    const before = store.stats().logBytes;
    const peer = await rawPeer();
    const error = await rejection(
      peer.request({ op: 'append', count: 2, bodyBytes: 600_000 }, { upload: [new Uint8Array(700_000)] }),
    );
    expect((error as { details?: { remoteCode?: string } }).details?.remoteCode).toBe('STORE_RECORD_INVALID');
    await peer.close();
    expect(store.stats().logBytes).toBe(before);
    expect((await collect(client)).length).toBe(1);
  });

  it('keeps a peer that announces a huge frame from growing its buffers', async () => {
    const socket = await connect(server.address);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffff_fff0);
    socket.write(header);
    await new Promise((done) => socket.once('close', done));
    expect(server.stats().peakFrameBytesBuffered).toBeLessThanOrEqual(1024 * 1024);
    await client.append([record('still', 0)]);
  });
});

describe('a stalled upload', () => {
  it('is dropped with STORE_TIMEOUT so it cannot hold the log, and others append after it', async () => {
    const space2 = scratch();
    const quick = await openFileStore(space2.path('store'), { uploadIdleTimeoutMs: 300 });
    const quickServer = await serveSealedStore(quick, `unix://${space2.path('s.sock')}`);
    const peer = new FrameChannel(await connect(quickServer.address));
    let release: () => void = () => undefined;
    const never = new Promise<void>((done) => {
      release = done;
    });
    async function* stalling(): AsyncGenerator<Uint8Array> {
      yield Buffer.concat([encodeRecordHeader(record('slow', 0, 100_000)), Buffer.alloc(1000)]);
      await never;
    }
    const other = await connectSealedStore(quickServer.address);
    const stalled = peer.request({ op: 'append', count: 1, bodyBytes: 100_044 }, { upload: stalling() });
    const queued = other.append([record('next', 0)]);
    const error = await rejection(stalled);
    expect((error as { details?: { remoteCode?: string } }).details?.remoteCode).toBe('STORE_TIMEOUT');
    await queued;
    expect((await collect(other)).map(recordKey)).toEqual([recordKey(record('next', 0))]);
    release();
    peer.destroy();
    await other.close();
    await quickServer.close();
    await quick.close();
    space2.cleanup();
  });
});
