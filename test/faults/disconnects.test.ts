/**
 * Disconnects mid-stream, through real processes (the enclave bundle, the parent's proxy, parties over TCP): a
 * party's connection dropped after some chunks leaves no input behind and the party can send it again; other
 * parties streaming at the same time are unaffected; the proxy SIGKILLed mid-stream and restarted lets parties
 * reconnect and finish; abandoned streams hold no slot another party needs.
 */
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionIdOf } from '../../protocol/index.js';
import { type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { type RunningProxyProcess, startProxyProcess } from '../../simulator/proxy-process.js';
import { makeParty, type Party } from '../enclave/support.js';
import {
  agree,
  type ConnectedParty,
  connectParty,
  meanOf,
  meanOver,
  numbersOfAbout,
  streamPartially,
} from './support.js';

const CHUNK = 4096;

let enclave: RunningEnclave;
let proxy: RunningProxyProcess;
let endpoint: string;
let alice: Party;
let bob: Party;
let carol: Party;

beforeAll(async () => {
  enclave = await startEnclave();
  proxy = await startProxyProcess(['--listen', 'tcp://127.0.0.1:0', '--enclave', enclave.address]);
  endpoint = String(proxy.ready['ingress']);
  [alice, bob, carol] = await Promise.all([makeParty('alice'), makeParty('bob'), makeParty('carol')]);
});

afterAll(async () => {
  await proxy?.stop();
  await enclave?.stop();
});

const connect = (party: Party, at = endpoint) => connectParty(at, party, enclave, CHUNK);

function providedOf(status: { inputs: readonly { inputName: string; provided: boolean }[] }) {
  return Object.fromEntries(status.inputs.map((i) => [i.inputName, i.provided]));
}

/** Writes a frame header announcing 1000 bytes and 10 of them, then drops: a frame cut in half on the wire. */
async function halfAFrame(at: string): Promise<void> {
  const [, host = '', port = ''] = /^tcp:\/\/(.+):(\d+)$/.exec(at) ?? [];
  const socket = new Socket();
  await new Promise<void>((done) => socket.connect(Number(port), host, done));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1000);
  socket.write(Buffer.concat([header, Buffer.alloc(10, 0xa5)]));
  socket.destroy();
}

describe('a party disconnected mid-stream', () => {
  it('leaves no partial input, can send it again, and another party streaming meanwhile is unaffected', async () => {
    const parties = [await connect(alice), await connect(bob), await connect(carol)];
    const [a, b, c] = parties as [ConnectedParty, ConnectedParty, ConnectedParty];
    const manifest = meanOver([alice, bob, carol], enclave);
    const sessionKey = await agree(manifest, parties);
    const values = { alice: numbersOfAbout(6 * CHUNK, 1), bob: numbersOfAbout(5 * CHUNK, 2), carol: [7] };

    // Alice's stream and Bob's run together; Alice's connection drops after 3 of her chunks.
    const [aliceTotal, bobCommitment] = await Promise.all([
      streamPartially(a, manifest, sessionKey, values.alice, CHUNK, 3),
      b.client.submit(manifest, 'bob-input', values.bob),
    ]);
    expect(aliceTotal).toBeGreaterThan(3);
    a.connection.close();
    await halfAFrame(endpoint);
    expect(bobCommitment).toHaveLength(32);
    await c.client.submit(manifest, 'carol-input', values.carol);

    expect(providedOf(await c.client.status(manifest))).toEqual({
      'alice-input': false,
      'bob-input': true,
      'carol-input': true,
    });
    // Alice reconnects and checks the enclave again; her partial input counts for nothing.
    const again = await connect(alice);
    await again.client.attest(manifest);
    await expect(again.client.evaluate(manifest)).rejects.toMatchObject({ code: 'THRESHOLD_NOT_MET' });
    // She sends the whole input.
    expect(await again.client.submit(manifest, 'alice-input', values.alice)).toHaveLength(32);
    expect(providedOf(await again.client.status(manifest))['alice-input']).toBe(true);

    await again.client.evaluate(manifest);
    const { value } = await again.client.result(manifest);
    expect(value).toEqual(
      new Map<string, unknown>([
        ['mean', meanOf([values.alice, values.bob, values.carol])],
        ['count', values.alice.length + values.bob.length + 1],
      ]),
    );
    for (const p of [again, b, c]) p.client.close();
    expect(enclave.child.exitCode).toBeNull();
    expect(proxy.child.exitCode).toBeNull();
  }, 120_000);
});

describe('the proxy killed mid-stream', () => {
  it('is restarted, and the parties reconnect through it and complete the session', async () => {
    const first = await startProxyProcess(['--listen', 'tcp://127.0.0.1:0', '--enclave', enclave.address]);
    const address = String(first.ready['ingress']);
    const a = await connect(alice, address);
    const b = await connect(bob, address);
    const manifest = meanOver([alice, bob], enclave);
    const sessionKey = await agree(manifest, [a, b]);
    const values = { alice: numbersOfAbout(4 * CHUNK, 3), bob: [1, 2, 3] };
    await b.client.submit(manifest, 'bob-input', values.bob);
    await streamPartially(a, manifest, sessionKey, values.alice, CHUNK, 2);

    expect(await first.stop('SIGKILL')).toBeNull();
    // Alice's next request fails on her side with a transport code, not a hang.
    await expect(a.client.status(manifest)).rejects.toMatchObject({
      code: expect.stringMatching(/^TRANSPORT_/),
    });

    // The operator restarts the proxy on the same address.
    const second = await startProxyProcess(['--listen', address, '--enclave', enclave.address]);
    try {
      const again = await connect(alice, address);
      await again.client.attest(manifest);
      expect(providedOf(await again.client.status(manifest))).toEqual({
        'alice-input': false,
        'bob-input': true,
      });
      await again.client.submit(manifest, 'alice-input', values.alice);
      await again.client.evaluate(manifest);
      const { value } = await again.client.result(manifest);
      expect(value).toEqual(
        new Map<string, unknown>([
          ['mean', meanOf([values.alice, values.bob])],
          ['count', values.alice.length + values.bob.length],
        ]),
      );
      again.client.close();
    } finally {
      a.client.close();
      b.client.close();
      await second.stop();
    }
    expect(enclave.child.exitCode).toBeNull();
  }, 120_000);
});

describe('abandoned streams', () => {
  it('64 streams dropped mid-way block neither their parties sending again nor a 65th stream elsewhere', async () => {
    const many = await Promise.all(Array.from({ length: 64 }, (_, i) => makeParty(`p${i}`)));
    const connected = await Promise.all(many.map((party) => connect(party)));
    const manifest = meanOver(many, enclave);
    // 64 approvals take seconds here: the enclave re-verifies every stored approval on each one (see report).
    const sessionKey = await agree(manifest, connected, 1);
    await Promise.all(
      connected.map(async (p, i) => {
        await streamPartially(p, manifest, sessionKey, numbersOfAbout(2 * CHUNK, i), CHUNK, 1);
        p.connection.close();
      }),
    );
    // Every party can start over (its slot is its own), here the last one, through a new connection.
    const last = await connect(many[63] as Party);
    await last.client.attest(manifest);
    expect(await last.client.submit(manifest, 'p63-input', numbersOfAbout(2 * CHUNK, 63))).toHaveLength(32);
    const status = await last.client.status(manifest);
    expect(status.inputs.filter((i) => i.provided).map((i) => i.inputName)).toEqual(['p63-input']);

    // A 65th stream, in another session, is accepted.
    const x = await connect(alice);
    const y = await connect(bob);
    const other = meanOver([alice, bob], enclave);
    await agree(other, [x, y]);
    expect(await x.client.submit(other, 'alice-input', numbersOfAbout(3 * CHUNK))).toHaveLength(32);
    expect(sessionIdOf(other)).not.toEqual(sessionIdOf(manifest));
    for (const p of [last, x, y]) p.client.close();
    expect(enclave.child.exitCode).toBeNull();
  }, 120_000);
});
