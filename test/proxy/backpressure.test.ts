/**
 * A slow reader must not grow the proxy's memory: with the reader stalled, the upstream's writes stall too, and
 * the bytes the proxy holds (its own buffered-bytes gauge) stay bounded. Measured in bytes, not time.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, metricValue, type RunningProxyProcess, startProxyProcess } from './support.js';

const TOTAL_BYTES = 256 << 20;
const CHUNK = Buffer.alloc(64 << 10, 0x5a);

let source: Server;
let written = 0;
let proxy: RunningProxyProcess;

/** An upstream that writes TOTAL_BYTES as fast as backpressure lets it. */
function blast(socket: Socket): void {
  socket.on('error', () => undefined);
  const pump = (): void => {
    while (written < TOTAL_BYTES) {
      written += CHUNK.length;
      if (!socket.write(CHUNK)) return void socket.once('drain', pump);
    }
    socket.end();
  };
  pump();
}

beforeAll(async () => {
  source = createServer(blast);
  await new Promise<void>((done) => source.listen(0, '127.0.0.1', done));
  const bound = source.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
  proxy = await startProxyProcess([
    '--listen',
    'tcp://127.0.0.1:0',
    '--enclave',
    `tcp://127.0.0.1:${port}`,
    '--metrics',
    'tcp://127.0.0.1:0',
    '--drain-timeout',
    '2',
  ]);
});

afterAll(async () => {
  await proxy?.stop();
  await new Promise((done) => source.close(done));
});

async function scrape(): Promise<string> {
  return (await httpGet(String(proxy.ready['admin']), '/metrics')).body;
}

describe('backpressure through the proxy', () => {
  it('holds a bounded number of bytes while the reader is stalled, then delivers everything', async () => {
    const rssBefore = metricValue(await scrape(), 'nitro_mpc_proxy_process_resident_memory_bytes') ?? 0;
    const [, host = '', port = ''] = /^tcp:\/\/(.+):(\d+)$/.exec(String(proxy.ready['ingress'])) ?? [];
    const reader = createConnection(Number(port), host);
    reader.pause();
    await new Promise((done) => reader.once('connect', done));
    // Wait (bounded) until the upstream stops making progress: every buffer on the way is full.
    let last = -1;
    let steady = 0;
    for (let poll = 0; poll < 200 && steady < 5; poll++) {
      await new Promise((done) => setTimeout(done, 50));
      steady = written === last ? steady + 1 : 0;
      last = written;
    }
    expect(steady).toBe(5);
    expect(written).toBeLessThan(64 << 20); // kernel buffers on two loopback hops, far from the 256 MiB offered
    const stalled = await scrape();
    expect(metricValue(stalled, 'nitro_mpc_proxy_buffered_bytes')).toBeLessThan(1 << 20);
    const rssStalled = metricValue(stalled, 'nitro_mpc_proxy_process_resident_memory_bytes') ?? 0;
    expect(rssStalled - rssBefore).toBeLessThan(64 << 20);

    let received = 0;
    reader.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    reader.resume();
    await new Promise((done) => reader.once('end', done));
    expect(received).toBe(TOTAL_BYTES);
    const after = await scrape();
    expect(metricValue(after, 'nitro_mpc_proxy_bytes_total', { direction: 'out' })).toBe(TOTAL_BYTES);
    expect(metricValue(after, 'nitro_mpc_proxy_process_resident_memory_bytes') ?? 0).toBeLessThan(
      rssBefore + (128 << 20),
    );
    reader.destroy();
  });
});
