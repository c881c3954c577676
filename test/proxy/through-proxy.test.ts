import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftManifest, EnclaveConnection, PartyClient } from '../../parent/client/index.js';
import type { Manifest } from '../../protocol/index.js';
import { measurementOf, type RunningEnclave } from '../../simulator/enclave-process.js';
import { makeParty, type Party } from '../enclave/support.js';
import {
  httpGet,
  metricValue,
  type RunningProxyProcess,
  startEnclaveBehindProxy,
  startProxyProcess,
} from './support.js';

let enclave: RunningEnclave;
let proxy: RunningProxyProcess;
let endpoint: string;
let admin: string;
let alice: Party;
let bob: Party;
let carol: Party;

beforeAll(async () => {
  ({ enclave, proxy } = await startEnclaveBehindProxy(5));
  endpoint = String(proxy.ready['ingress']);
  admin = String(proxy.ready['admin']);
  [alice, bob, carol] = await Promise.all([makeParty('alice'), makeParty('bob'), makeParty('carol')]);
});

afterAll(async () => {
  await proxy?.stop();
  await enclave?.stop();
});

function meanManifest(providers: readonly Party[]): Manifest {
  return draftManifest({
    fn: measurementOf('mean'),
    parameters: {},
    parties: [alice, bob, carol],
    providers: providers.map((p) => p.id),
    pcrs: enclave.pcrs,
    maxInputBytes: 1 << 20,
    requesters: ['carol'],
  });
}

async function clientsThroughProxy(): Promise<Record<'alice' | 'bob' | 'carol', PartyClient>> {
  const open = async (p: Party) =>
    new PartyClient(await EnclaveConnection.open(endpoint), p, { roots: [enclave.root] });
  return { alice: await open(alice), bob: await open(bob), carol: await open(carol) };
}

async function runMean(clients: Record<'alice' | 'bob' | 'carol', PartyClient>): Promise<unknown> {
  const manifest = meanManifest([alice, bob, carol]);
  await clients.alice.create(manifest);
  for (const client of Object.values(clients)) await client.approve(manifest);
  for (const client of Object.values(clients)) await client.attest(manifest);
  await clients.alice.submit(manifest, 'alice-input', [100_000, 110_000]);
  await clients.bob.submit(manifest, 'bob-input', [90_000]);
  await clients.carol.submit(manifest, 'carol-input', [120_000, 80_000]);
  await clients.carol.evaluate(manifest);
  const values = [];
  for (const client of Object.values(clients)) values.push((await client.result(manifest)).value);
  expect(values[0]).toEqual(values[2]);
  const { certificate } = await clients.alice.destroy(manifest);
  expect(certificate.body.reason).toBe('completed');
  return values[1];
}

describe('a session through the proxy process', () => {
  it('runs a three-party mean end to end, attested through the relay', async () => {
    const clients = await clientsThroughProxy();
    expect(await runMean(clients)).toEqual(
      new Map<string, unknown>([
        ['mean', 100_000],
        ['count', 5],
      ]),
    );
    for (const client of Object.values(clients)) client.close();
  });

  it('keeps other sessions going when a client is killed mid-session', async () => {
    const victim = await clientsThroughProxy();
    const manifest = meanManifest([alice, bob]);
    await victim.alice.create(manifest);
    await victim.alice.approve(manifest);
    victim.alice.close(); // dropped with the session half agreed
    victim.bob.close();
    const others = await clientsThroughProxy();
    expect(await runMean(others)).toEqual(
      new Map<string, unknown>([
        ['mean', 100_000],
        ['count', 5],
      ]),
    );
    for (const client of [...Object.values(others), victim.carol]) client.close();
    expect(proxy.child.exitCode).toBeNull();
    expect(enclave.child.exitCode).toBeNull();
  });

  it('serves /healthz and Prometheus metrics on the admin address', async () => {
    const health = await httpGet(admin, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ ready: true, enclaveReachable: true });
    const { status, body } = await httpGet(admin, '/metrics');
    expect(status).toBe(200);
    expect(
      metricValue(body, 'nitro_mpc_proxy_connections_total', { route: 'ingress' }),
    ).toBeGreaterThanOrEqual(6);
    expect(metricValue(body, 'nitro_mpc_proxy_bytes_total', { direction: 'in' })).toBeGreaterThan(0);
    expect(metricValue(body, 'nitro_mpc_proxy_bytes_total', { direction: 'out' })).toBeGreaterThan(0);
    expect(metricValue(body, 'nitro_mpc_proxy_connect_seconds_count', { route: 'ingress' })).toBeGreaterThan(
      0,
    );
    expect(body).toContain('nitro_mpc_proxy_connections_active');
    expect(body).toContain('nitro_mpc_proxy_process_resident_memory_bytes');
  });

  it('logs connections with ids, addresses and byte counts, never payloads', () => {
    const closes = proxy.logs().filter((line) => line.msg === 'close' && line['reason'] === 'completed');
    expect(closes.length).toBeGreaterThan(0);
    for (const line of closes) {
      expect(line).toMatchObject({ route: 'ingress', conn: expect.stringMatching(/^ingress-\d+$/) });
      expect(typeof line['bytesIn']).toBe('number');
      expect(typeof line['peer']).toBe('string');
    }
  });
});

describe('the connection limit', () => {
  it('refuses connections beyond --max-connections and admits again when one closes', async () => {
    const limited = await startProxyProcess([
      '--listen',
      'tcp://127.0.0.1:0',
      '--enclave',
      enclave.address,
      '--metrics',
      'tcp://127.0.0.1:0',
      '--max-connections',
      '2',
    ]);
    try {
      const address = String(limited.ready['ingress']);
      const probe = () =>
        EnclaveConnection.open(address).then(async (connection) => {
          await connection.send({ type: 'attest', sessionId: new Uint8Array(32), nonce: new Uint8Array(32) });
          return connection;
        });
      const first = await probe();
      const second = await probe();
      // The third is accepted by the kernel, then closed by the proxy without a byte.
      const [, host = '', port = ''] = /^tcp:\/\/(.+):(\d+)$/.exec(address) ?? [];
      const third = new Socket();
      const closed = new Promise<number>((done) => {
        let received = 0;
        third.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        third.on('error', () => undefined);
        third.once('close', () => done(received));
      });
      third.connect(Number(port), host);
      expect(await closed).toBe(0);
      const { body } = await httpGet(String(limited.ready['admin']), '/metrics');
      expect(metricValue(body, 'nitro_mpc_proxy_refusals_total', { reason: 'connection_limit' })).toBe(1);
      first.close();
      // Bounded: the proxy frees the slot once it sees the close.
      let admitted: EnclaveConnection | undefined;
      for (let attempt = 0; attempt < 50 && admitted === undefined; attempt++) {
        admitted = await probe().catch(async () => {
          await new Promise((done) => setTimeout(done, 50));
          return undefined;
        });
      }
      expect(admitted).toBeDefined();
      admitted?.close();
      second.close();
    } finally {
      expect(await limited.stop()).toBe(0);
    }
  });
});
