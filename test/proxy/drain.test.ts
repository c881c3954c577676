/**
 * SIGTERM with idle parties still connected: the proxy stops accepting, waits for them until --drain-timeout, then
 * cuts them and exits; idle parties cannot hold the shutdown open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnclaveConnection } from '../../parent/client/index.js';
import { type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { startProxyProcess } from './support.js';

const IDLE = 50;

let enclave: RunningEnclave;

beforeAll(async () => {
  enclave = await startEnclave();
});

afterAll(async () => {
  await enclave?.stop();
});

describe('draining with idle parties connected', () => {
  it('cuts them at the drain deadline and exits 0', async () => {
    const proxy = await startProxyProcess([
      '--listen',
      'tcp://127.0.0.1:0',
      '--enclave',
      enclave.address,
      '--drain-timeout',
      '0.5',
    ]);
    const endpoint = String(proxy.ready['ingress']);
    const idle = await Promise.all(
      Array.from({ length: IDLE }, async () => {
        const connection = await EnclaveConnection.open(endpoint);
        await connection.send({ type: 'attest', sessionId: new Uint8Array(32), nonce: new Uint8Array(32) });
        return connection;
      }),
    );
    const lost = idle.map((connection) => connection.channel.closed);
    expect(await proxy.stop('SIGTERM')).toBe(0);
    expect(proxy.logs().find((line) => line.msg === 'stopped')).toMatchObject({ drained: 0, cut: IDLE });
    // Every party sees its connection end (nothing stays half-open).
    expect((await Promise.all(lost)).length).toBe(IDLE);
    for (const connection of idle) connection.close();
  });
});
