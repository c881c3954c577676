/**
 * The enclave as a real process (the reproducible bundle, simulated NSM), parties as separate connections over a
 * real unix socket: what runs on Nitro, with vsock swapped for unix.
 */
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStrictCbor, encodeCbor } from '../../common/cbor/index.js';
import { EnclaveConnection as PartyConnection } from '../../parent/client/index.js';
import {
  encodeManifest,
  InputStreamSealer,
  type Manifest,
  openResult,
  parseManifest,
  sealInput,
  signApproval,
  signRequest,
  verifyReceipt,
  verifySessionAttestation,
} from '../../protocol/index.js';
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
  const now = Date.now();
  const everyone = [alice, bob, carol];
  return parseManifest({
    version: 1,
    salt: randomBytes(16).toString('hex'),
    function: measurementOf(fn),
    parameters,
    parties: everyone.map((p) => ({
      id: p.id,
      displayName: p.id,
      signingKey: p.signing.publicKey,
      hpkePublicKey: p.hpke.publicKey,
    })),
    inputs: providers.map((p) => ({
      name: `${p.id}-input`,
      provider: p.id,
      schema: 'any',
      maxBytes: 64 << 20,
      provide: 'once',
    })),
    recipients: everyone.map((p) => ({ party: p.id, view: 'full', delivery: 'encrypted' })),
    threshold: providers.length,
    window: { opensAt: now - 60_000, closesAt: now + 3_600_000 },
    resubmission: 'reject',
    evaluation: { trigger: 'on-request', requesters: ['carol'] },
    rounds: 1,
    enclave: { pcrs },
  });
}

/** Each party on its own connection: approve, then attest with its own nonce and verify before sending. */
async function agree(manifest: Manifest, connections: Map<string, PartyConnection>) {
  const first = connections.get('alice') as PartyConnection;
  const created = await first.send({ type: 'create-session', manifest: encodeManifest(manifest) });
  if (created.type !== 'session-created') throw new Error(JSON.stringify(created));
  for (const party of [alice, bob, carol]) {
    const connection = connections.get(party.id) as PartyConnection;
    const approved = await connection.send({
      type: 'approve',
      approval: signApproval(manifest, party.id, party.signing.privateKey),
    });
    expect(approved.type).toBe('approval-recorded');
  }
  const nonce = new Uint8Array(randomBytes(32));
  const attested = await first.send({ type: 'attest', sessionId: created.sessionId, nonce });
  if (attested.type !== 'attestation') throw new Error(JSON.stringify(attested));
  const verified = await verifySessionAttestation(attested.document, {
    manifest,
    nonce,
    roots: [enclave.root],
  });
  return { sessionId: created.sessionId, hpkePublicKey: verified.hpkePublicKey, document: attested.document };
}

async function connectAll(): Promise<Map<string, PartyConnection>> {
  return new Map(
    await Promise.all(
      [alice, bob, carol].map(async (p) => [p.id, await PartyConnection.open(enclave.address)] as const),
    ),
  );
}

async function resultFor(
  party: Party,
  connection: PartyConnection,
  sessionId: Uint8Array,
  manifest: Manifest,
) {
  const response = await connection.send(
    signRequest({ type: 'get-result', sessionId, round: 1 }, party.id, party.signing.privateKey),
  );
  if (response.type !== 'result') throw new Error(JSON.stringify(response));
  await verifyReceipt(response.receipt, { roots: [enclave.root], manifest });
  const { body } = response.receipt;
  const bytes = await openResult(
    { sessionId, round: 1, recipient: party.id, view: body.view },
    body.result,
    party.hpke.privateKey,
  );
  return decodeStrictCbor(bytes) as Map<string, unknown>;
}

describe('the enclave process over a unix socket', () => {
  it('computes a three-party mean end to end, with signed results and a destruction certificate', async () => {
    const connections = await connectAll();
    const manifest = manifestFor('mean', {}, [alice, bob, carol]);
    const session = await agree(manifest, connections);
    const salaries: Record<string, number[]> = {
      alice: [100_000, 110_000],
      bob: [90_000],
      carol: [120_000, 80_000],
    };
    for (const party of [alice, bob, carol]) {
      const envelope = await sealInput({
        sessionId: session.sessionId,
        inputName: `${party.id}-input`,
        partyId: party.id,
        round: 1,
        plaintext: encodeCbor(salaries[party.id]),
        recipientPublicKey: session.hpkePublicKey,
        senderSigningKey: party.signing.privateKey,
      });
      const accepted = await (connections.get(party.id) as PartyConnection).send({
        type: 'submit-input',
        sessionId: session.sessionId,
        input: { mode: 'hpke', envelope },
      });
      expect(accepted.type).toBe('input-accepted');
    }
    const carolConnection = connections.get('carol') as PartyConnection;
    const started = await carolConnection.send(
      signRequest(
        { type: 'evaluate', sessionId: session.sessionId, round: 1 },
        'carol',
        carol.signing.privateKey,
      ),
    );
    expect(started.type).toBe('evaluation-started');
    for (const party of [alice, bob, carol]) {
      const result = await resultFor(
        party,
        connections.get(party.id) as PartyConnection,
        session.sessionId,
        manifest,
      );
      expect(result.get('mean')).toBe(100_000);
      expect(result.get('count')).toBe(5);
    }
    const destroyed = await carolConnection.send(
      signRequest({ type: 'destroy', sessionId: session.sessionId }, 'carol', carol.signing.privateKey),
    );
    if (destroyed.type !== 'destroyed') throw new Error(JSON.stringify(destroyed));
    const summary = await verifyReceipt(destroyed.certificate, { roots: [enclave.root], manifest });
    expect(summary.kind).toBe('destruction');
    expect(destroyed.certificate.body.destroyed).toHaveLength(3);
    for (const c of connections.values()) c.close();
  });

  it('computes PSI cardinality over 100k items per party, streamed in chunks', async () => {
    const connections = await connectAll();
    const manifest = manifestFor('psi', { itemKind: 'string', reveal: 'cardinality' }, [alice, bob]);
    const session = await agree(manifest, connections);
    const shared = Array.from({ length: 25_000 }, (_, i) => `customer-${i}`);
    const items: Record<string, string[]> = {
      alice: [...shared, ...Array.from({ length: 75_000 }, (_, i) => `alice-only-${i}`)],
      bob: [...shared, ...Array.from({ length: 75_000 }, (_, i) => `bob-only-${i}`)],
    };
    for (const party of [alice, bob]) {
      const connection = connections.get(party.id) as PartyConnection;
      const binding = {
        sessionId: session.sessionId,
        inputName: `${party.id}-input`,
        partyId: party.id,
        round: 1,
      };
      const sealer = await InputStreamSealer.start({
        ...binding,
        recipientPublicKey: session.hpkePublicKey,
        senderSigningKey: party.signing.privateKey,
      });
      expect(
        (
          await connection.send({
            type: 'submit-input-stream',
            sessionId: session.sessionId,
            header: sealer.header,
          })
        ).type,
      ).toBe('chunk-accepted');
      const plaintext = encodeCbor(items[party.id]);
      const chunkBytes = 512 * 1024;
      let last: Awaited<ReturnType<PartyConnection['send']>> | undefined;
      for (let offset = 0; offset < plaintext.length; offset += chunkBytes) {
        const final = offset + chunkBytes >= plaintext.length;
        const chunk = await sealer.sealChunk(plaintext.subarray(offset, offset + chunkBytes), final);
        last = await connection.send({
          type: 'submit-input-chunk',
          sessionId: session.sessionId,
          inputName: binding.inputName,
          partyId: party.id,
          round: 1,
          chunk,
        });
      }
      expect(last?.type).toBe('input-accepted');
    }
    const carolConnection = connections.get('carol') as PartyConnection;
    await carolConnection.send(
      signRequest(
        { type: 'evaluate', sessionId: session.sessionId, round: 1 },
        'carol',
        carol.signing.privateKey,
      ),
    );
    const result = await resultFor(
      alice,
      connections.get('alice') as PartyConnection,
      session.sessionId,
      manifest,
    );
    expect(result.get('cardinality')).toBe(25_000);
    expect(result.has('members')).toBe(false);
    for (const c of connections.values()) c.close();
  });

  it('makes a party refuse an enclave whose PCRs differ from the manifest', async () => {
    const connections = await connectAll();
    const wrong = enclave.pcrs.map((p) => (p.index === 0 ? { index: 0, allowed: ['ab'.repeat(48)] } : p));
    const manifest = manifestFor('mean', {}, [alice, bob]);
    const other = parseManifest({ ...manifest, enclave: { pcrs: wrong } });
    await expect(agree(other, connections)).rejects.toMatchObject({ code: 'ATTESTATION_PCR_MISMATCH' });
    for (const c of connections.values()) c.close();
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
    const killed = await PartyConnection.open(enclave.address);
    killed.channel.destroy();
    const healthy = await PartyConnection.open(enclave.address);
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
