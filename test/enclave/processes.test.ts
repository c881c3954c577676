import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  draftManifest,
  EnclaveConnection,
  EnclaveRefusal,
  PartyClient,
  sendInput,
} from '../../parent/client/index.js';
import { type Manifest, parseManifest } from '../../protocol/index.js';
import { measurementOf, type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { makeParty, type Party } from './support.js';

let enclave: RunningEnclave;
let alice: Party;
let bob: Party;
let carol: Party;

beforeAll(async () => {
  enclave = await startEnclave();
  [alice, bob, carol] = await Promise.all([makeParty('alice'), makeParty('bob'), makeParty('carol')]);
});

afterAll(async () => {
  await enclave.stop();
});

function manifestFor(
  fn: string,
  parameters: unknown,
  providers: readonly Party[],
  pcrs = enclave.pcrs,
): Manifest {
  return draftManifest({
    fn: measurementOf(fn),
    parameters,
    parties: [alice, bob, carol],
    providers: providers.map((p) => p.id),
    pcrs,
    requesters: ['carol'],
  });
}

/** One SDK client per party, each on its own connection. */
async function clientsFor(): Promise<Record<'alice' | 'bob' | 'carol', PartyClient>> {
  const open = async (p: Party) =>
    new PartyClient(await EnclaveConnection.open(enclave.address), p, { roots: [enclave.root] });
  return { alice: await open(alice), bob: await open(bob), carol: await open(carol) };
}

async function agree(manifest: Manifest, clients: Record<string, PartyClient>): Promise<void> {
  await (clients['alice'] as PartyClient).create(manifest);
  for (const client of Object.values(clients)) await client.approve(manifest);
  for (const client of Object.values(clients)) await client.attest(manifest);
}

describe('the enclave process over a unix socket', () => {
  it('computes a three-party mean end to end, with verified results and destruction certificate', async () => {
    const clients = await clientsFor();
    const manifest = manifestFor('mean', {}, [alice, bob, carol]);
    await agree(manifest, clients);
    const salaries: Record<string, number[]> = {
      alice: [100_000, 110_000],
      bob: [90_000],
      carol: [120_000, 80_000],
    };
    for (const [id, client] of Object.entries(clients)) {
      expect(await client.submit(manifest, `${id}-input`, salaries[id])).toHaveLength(32);
    }
    await clients.carol.evaluate(manifest);
    for (const client of Object.values(clients)) {
      const { value, summary } = await client.result(manifest);
      expect(value).toEqual(
        new Map<string, unknown>([
          ['mean', 100_000],
          ['count', 5],
        ]),
      );
      expect(summary.kind).toBe('result');
    }
    const { certificate, summary } = await clients.alice.destroy(manifest);
    expect(summary.kind).toBe('destruction');
    expect(certificate.body.reason).toBe('completed');
    expect(certificate.body.destroyed).toHaveLength(3);
    await expect(clients.bob.submit(manifest, 'bob-input', [1])).rejects.toMatchObject({
      code: 'SESSION_DESTROYED',
    });
    for (const client of Object.values(clients)) client.close();
  });

  it('takes auth-mode inputs from parties with an HPKE key in the manifest and signed ones from a party without', async () => {
    const clients = await clientsFor();
    const drafted = manifestFor('mean', {}, [alice, bob, carol]);
    // bob's entry has only his signing key (his result comes in the clear): the SDK signs his envelope.
    const manifest = parseManifest({
      ...drafted,
      parties: drafted.parties.map(({ hpkePublicKey, ...party }) =>
        party.id === 'bob' ? party : { ...party, hpkePublicKey },
      ),
      recipients: drafted.recipients.map((r) => (r.party === 'bob' ? { ...r, delivery: 'clear' } : r)),
    });
    await agree(manifest, clients);
    const sent: Record<string, unknown> = {};
    for (const [id, client] of Object.entries(clients)) {
      const connection = (client as unknown as { connection: EnclaveConnection }).connection;
      const send = vi.spyOn(connection, 'send');
      await client.submit(manifest, `${id}-input`, [{ alice: 2, bob: 4, carol: 6 }[id]]);
      const request = send.mock.calls.at(-1)?.[0] as { input?: { envelope?: { auth?: string } } };
      sent[id] = request.input?.envelope?.auth;
    }
    expect(sent).toEqual({ alice: 'hpke', bob: 'signature', carol: 'hpke' });
    await clients.carol.evaluate(manifest);
    const { value } = await clients.bob.result(manifest);
    expect(value).toEqual(
      new Map<string, unknown>([
        ['mean', 4],
        ['count', 3],
      ]),
    );
    for (const client of Object.values(clients)) client.close();
  });

  it("refuses, before sending anything, to approve or submit where the manifest lists another party's HPKE key", async () => {
    const drafted = manifestFor('mean', {}, [alice, bob, carol]);
    // carol's HPKE key in bob's entry: carol could send inputs as bob.
    const manifest = parseManifest({
      ...drafted,
      parties: drafted.parties.map((p) =>
        p.id === 'bob' ? { ...p, hpkePublicKey: carol.hpke.publicKey } : p,
      ),
    });
    const connection = await EnclaveConnection.open(enclave.address);
    const send = vi.spyOn(connection, 'send');
    const client = new PartyClient(connection, bob, { roots: [enclave.root] });
    await expect(client.approve(manifest)).rejects.toMatchObject({ code: 'APPROVAL_INVALID' });
    await expect(
      sendInput({
        connection,
        party: bob,
        manifest,
        sessionKey: carol.hpke.publicKey,
        inputName: 'bob-input',
        value: [1],
      }),
    ).rejects.toMatchObject({ code: 'KEY_INVALID' });
    expect(send).not.toHaveBeenCalled();
    connection.close();
  });

  it('computes PSI cardinality over 100k items per party, streamed in chunks', async () => {
    const clients = await clientsFor();
    const manifest = manifestFor('psi', { itemKind: 'string', reveal: 'cardinality' }, [alice, bob]);
    await agree(manifest, clients);
    const shared = Array.from({ length: 25_000 }, (_, i) => `customer-${i}`);
    await clients.alice.submit(manifest, 'alice-input', [
      ...shared,
      ...Array.from({ length: 75_000 }, (_, i) => `alice-only-${i}`),
    ]);
    await clients.bob.submit(manifest, 'bob-input', [
      ...Array.from({ length: 75_000 }, (_, i) => `bob-only-${i}`),
      ...shared,
    ]);
    await clients.carol.evaluate(manifest);
    const { value } = await clients.alice.result(manifest);
    expect(value).toEqual(new Map([['cardinality', 25_000]]));
    for (const client of Object.values(clients)) client.close();
  });

  it('refuses an input after the window with its code, and the honest inputs stay', async () => {
    const clients = await clientsFor();
    const now = Date.now();
    const manifest = parseManifest({
      ...manifestFor('mean', {}, [alice, bob]),
      // Long enough for agreement and one input on a busy machine; then the test waits it out.
      window: { opensAt: now - 60_000, closesAt: now + 6_000 },
    });
    await agree(manifest, clients);
    await clients.alice.submit(manifest, 'alice-input', [10]);
    await new Promise((done) => setTimeout(done, Math.max(0, manifest.window.closesAt - Date.now() + 100)));
    const late = await clients.bob.submit(manifest, 'bob-input', [20]).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(EnclaveRefusal);
    expect(late).toMatchObject({ code: 'WINDOW_CLOSED' });
    const status = await clients.alice.status(manifest);
    expect(status.inputs).toEqual([
      { inputName: 'alice-input', partyId: 'alice', provided: true },
      { inputName: 'bob-input', partyId: 'bob', provided: false },
    ]);
    for (const client of Object.values(clients)) client.close();
  });

  it('makes a party refuse an enclave whose PCRs differ from the manifest', async () => {
    const clients = await clientsFor();
    const wrong = enclave.pcrs.map((p) => (p.index === 0 ? { index: 0, allowed: ['ab'.repeat(48)] } : p));
    const manifest = parseManifest({ ...manifestFor('mean', {}, [alice, bob]), enclave: { pcrs: wrong } });
    await clients.alice.create(manifest);
    for (const client of Object.values(clients)) await client.approve(manifest);
    await expect(clients.alice.attest(manifest)).rejects.toMatchObject({ code: 'ATTESTATION_PCR_MISMATCH' });
    await expect(clients.alice.submit(manifest, 'alice-input', [1])).rejects.toMatchObject({
      code: 'ATTESTATION_REQUIRED',
    });
    for (const client of Object.values(clients)) client.close();
  });

  it('refuses an oversized frame and a garbage connection, and keeps serving everyone else', async () => {
    const path = enclave.address.slice('unix://'.length);
    for (const junk of [
      Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]),
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
    ]) {
      const socket = new Socket();
      await new Promise<void>((done) => socket.connect(path, done));
      socket.write(junk);
      await new Promise((done) => socket.once('close', done));
    }
    const killed = await EnclaveConnection.open(enclave.address);
    killed.channel.destroy();
    const healthy = await EnclaveConnection.open(enclave.address);
    const response = await healthy.send({
      type: 'attest',
      sessionId: new Uint8Array(32),
      nonce: new Uint8Array(32),
    });
    expect(response).toMatchObject({ type: 'error', code: 'SESSION_UNKNOWN' });
    healthy.close();
    expect(enclave.child.exitCode).toBeNull();
  });
});

describe('the enclave process and its input-opener threads', () => {
  it('runs a session with the number of opener threads it is given, and refuses a bad number at start', async () => {
    const two = await startEnclave({ env: { NITRO_MPC_INPUT_OPENERS: '2' } });
    try {
      expect(two.output()).toMatch(/ready: .*, 2 input opener thread\(s\), curves on libsodium/);
      const open = async (p: Party) =>
        new PartyClient(await EnclaveConnection.open(two.address), p, { roots: [two.root] });
      const clients = { alice: await open(alice), bob: await open(bob), carol: await open(carol) };
      const manifest = manifestFor('mean', {}, [alice, bob, carol], two.pcrs);
      await agree(manifest, clients);
      for (const [id, client] of Object.entries(clients))
        await client.submit(manifest, `${id}-input`, [id.length]);
      await clients.carol.evaluate(manifest);
      const { value } = await clients.carol.result(manifest);
      expect((value as Map<string, number>).get('mean')).toBeCloseTo((5 + 3 + 5) / 3);
      for (const client of Object.values(clients)) client.close();
    } finally {
      await two.stop();
    }
    await expect(startEnclave({ env: { NITRO_MPC_INPUT_OPENERS: 'many' } })).rejects.toThrow(
      /NITRO_MPC_INPUT_OPENERS must be a whole number from 0 to 64/,
    );
  });
});
