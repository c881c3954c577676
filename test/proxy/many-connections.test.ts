/**
 * Many parties at once: connections opened together (far more than the enclave's listen backlog of 128) are all
 * relayed, each to its own enclave connection, held while idle, and a session still completes among them.
 */
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftManifest, EnclaveConnection, PartyClient } from '../../parent/client/index.js';
import { measurementOf, type RunningEnclave } from '../../simulator/enclave-process.js';
import { makeParty } from '../enclave/support.js';
import { httpGet, metricValue, type RunningProxyProcess, startEnclaveBehindProxy } from './support.js';

const PARTIES_AT_ONCE = 600;

let enclave: RunningEnclave;
let proxy: RunningProxyProcess;

beforeAll(async () => {
  ({ enclave, proxy } = await startEnclaveBehindProxy(2));
});

afterAll(async () => {
  await proxy?.stop();
  await enclave?.stop();
});

async function metrics(): Promise<string> {
  return (await httpGet(String(proxy.ready['admin']), '/metrics')).body;
}

function openFdsOf(pid: number): number {
  // Sockets the enclave process holds: one per relayed party.
  return readdirSync(`/proc/${pid}/fd`).length;
}

describe('many parties at once through the proxy', () => {
  it(`relays ${PARTIES_AT_ONCE} connections opened together, holds them idle, and a session completes`, async () => {
    const endpoint = String(proxy.ready['ingress']);
    const enclaveFdsBefore = openFdsOf(enclave.pid);
    // All at once, no pacing: the proxy queues its dials to the enclave instead of overflowing its backlog.
    const idle = await Promise.all(
      Array.from({ length: PARTIES_AT_ONCE }, async () => {
        const connection = await EnclaveConnection.open(endpoint);
        const answer = await connection.send({
          type: 'attest',
          sessionId: new Uint8Array(32),
          nonce: new Uint8Array(32),
        });
        expect(answer).toMatchObject({ type: 'error', code: 'SESSION_UNKNOWN' });
        return connection;
      }),
    );
    try {
      const held = await metrics();
      expect(metricValue(held, 'nitro_mpc_proxy_connections_active', { route: 'ingress' })).toBe(
        PARTIES_AT_ONCE,
      );
      expect(
        metricValue(held, 'nitro_mpc_proxy_refusals_total', { reason: 'upstream_unreachable' }) ?? 0,
      ).toBe(0);
      expect(openFdsOf(enclave.pid) - enclaveFdsBefore).toBeGreaterThanOrEqual(PARTIES_AT_ONCE);

      const parties = await Promise.all(['alice', 'carol', 'dave'].map(makeParty));
      const manifest = draftManifest({
        fn: measurementOf('sum'),
        parameters: {},
        parties,
        pcrs: enclave.pcrs,
        maxInputBytes: 1024,
      });
      const clients = await Promise.all(
        parties.map(
          async (p) => new PartyClient(await EnclaveConnection.open(endpoint), p, { roots: [enclave.root] }),
        ),
      );
      const [first] = clients as [PartyClient];
      await first.create(manifest);
      for (const client of clients) await client.approve(manifest);
      for (const client of clients) await client.attest(manifest);
      await Promise.all(
        clients.map((client, i) => client.submit(manifest, `${parties[i]?.id}-input`, [i + 1])),
      );
      await first.evaluate(manifest);
      expect((await first.result(manifest)).value).toEqual(
        new Map<string, number>([
          ['sum', 6],
          ['count', 3],
        ]),
      );
      for (const client of clients) client.close();
    } finally {
      for (const connection of idle) connection.close();
    }
    // Every slot is freed once the proxy sees the closes (bounded wait, no timing asserted).
    let active: number | undefined;
    for (let attempt = 0; attempt < 100 && active !== 0; attempt++) {
      active = metricValue(await metrics(), 'nitro_mpc_proxy_connections_active', { route: 'ingress' });
      if (active !== 0) await new Promise((done) => setTimeout(done, 50));
    }
    expect(active).toBe(0);
  });
});
