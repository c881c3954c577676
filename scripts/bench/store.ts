/**
 * The sealed store's append throughput: the enclave's client over a unix socket to the store server (both in this
 * process), appends of one ~200-byte sealed input each. Sequential appends pay one fsync each; concurrent ones
 * (256 in flight, as when hundreds of parties submit at once) share fsyncs through group commit. The peer is
 * the sequential run in the same process, reported as a ratio. Then one 256 MiB uploaded batch: MB/s and the
 * most bytes of it the server held.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileStore, serveSealedStore } from '../../parent/store/index.js';
import { connectSealedStore, type SealedRecord } from '../../protocol/store/index.js';
import { emit, round } from './measure.js';

const dir = mkdtempSync(join(tmpdir(), 'nitro-store-bench-'));
const store = await openFileStore(join(dir, 'store'));
const server = await serveSealedStore(store, `unix://${join(dir, 'store.sock')}`);
const client = await connectSealedStore(server.address);
const session = new Uint8Array(32).fill(1);
const input = (counter: number): SealedRecord => ({
  sessionId: session,
  counter,
  sealed: new Uint8Array(200).fill(counter & 0xff),
});

async function appendRun(name: string, total: number, inFlight: number): Promise<number> {
  const fsyncsBefore = store.stats().fsyncs;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await client.append([input(next++)]);
    }),
  );
  const ms = performance.now() - start;
  const perSec = (total * 1000) / ms;
  emit({
    run: name,
    appends: total,
    inFlight,
    ms: round(ms),
    appendsPerSec: round(perSec),
    fsyncs: store.stats().fsyncs - fsyncsBefore,
  });
  return perSec;
}

try {
  const sequential = await appendRun('sequential', 500, 1);
  const concurrent = await appendRun('concurrent', 20_000, 256);
  const MiB = 1024 * 1024;
  const big: SealedRecord[] = Array.from({ length: 8 }, (_, i) => ({
    sessionId: session,
    counter: 100_000 + i,
    sealed: new Uint8Array(32 * MiB).fill(i),
  }));
  const start = performance.now();
  await client.append(big);
  const ms = performance.now() - start;
  const stats = server.stats();
  const bigBatch = {
    mib: 256,
    ms: round(ms),
    mbPerSec: round((256 * MiB) / 1e6 / (ms / 1000)),
    serverPeakBufferedBytes:
      Math.max(stats.peakFrameBytesBuffered, stats.peakUploadBytesBuffered) + stats.store.peakBufferedBytes,
  };
  emit({ run: 'big-batch', ...bigBatch });
  emit({
    bench: 'store',
    appendsPerSec: { sequential: round(sequential), concurrent: round(concurrent) },
    ratio: { concurrentOverSequential: round(concurrent / sequential, 2) },
    bigBatch,
  });
} finally {
  await client.close();
  await server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
