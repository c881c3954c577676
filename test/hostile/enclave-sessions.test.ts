/**
 * Replays and trespass against the real enclave process, through the real proxy (the parent sees, and can
 * replay, every frame): a signed request sent twice, an input envelope sent twice, and a party of one session
 * using its keys on another. Each is refused with its code, and the sessions of honest parties complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { EnclaveConnection, type PartyClient } from '../../parent/client/index.js';
import {
  type EnclaveResponse,
  type HpkePublicKey,
  type Manifest,
  parseManifest,
  sealInput,
  sessionIdOf,
  signRequest,
} from '../../protocol/index.js';
import type { Party } from '../enclave/support.js';
import { HONEST_MEAN, type HostileDeployment, startHostileDeployment } from './deployment.js';

let d: HostileDeployment;

beforeAll(async () => {
  // Parties here hold connections open while others act: no short idle timeout.
  d = await startHostileDeployment({ NITRO_MPC_IDLE_TIMEOUT_MS: '120000' });
});

afterAll(async () => {
  await d?.stop();
});

const codeOf = (response: EnclaveResponse): string =>
  response.type === 'error' ? response.code : response.type;

/** Agrees on `manifest` with one client per party and returns the clients and the attested session key. */
async function agree(manifest: Manifest, parties: readonly Party[]) {
  const clients = await d.clients(parties);
  const all = Object.values(clients) as PartyClient[];
  await all[0]?.create(manifest);
  for (const client of all) await client.approve(manifest);
  let key: HpkePublicKey | undefined;
  for (const client of all) key = (await client.attest(manifest)).hpkePublicKey;
  if (!key) throw new Error('no attestation');
  return {
    clients,
    key,
    close: () => {
      for (const c of all) c.close();
    },
  };
}

async function envelopeFor(
  manifest: Manifest,
  key: HpkePublicKey,
  party: Party,
  inputName: string,
  value: unknown,
) {
  return sealInput({
    sessionId: sessionIdOf(manifest),
    inputName,
    partyId: party.id,
    round: 1,
    plaintext: encodeCbor(value),
    recipientPublicKey: key,
    senderSigningKey: party.signing.privateKey,
  });
}

describe('replays and other parties’ sessions, on the enclave process through the proxy', () => {
  it('refuses a replayed signed request (REQUEST_REPLAYED) and a replayed input (INPUT_REPLAYED)', async () => {
    const { alice, bob, carol } = d.parties;
    // last-wins: a resubmission is allowed, so only the replay check stands between a replayed envelope and the session.
    const manifest = parseManifest({ ...d.meanManifest(), resubmission: 'last-wins' });
    const session = await agree(manifest, [alice, bob, carol]);
    const honest = d.honestMean();
    // The parent's view: it captured frames on one connection and replays them on another.
    const party = await EnclaveConnection.open(d.endpoint);
    const parent = await EnclaveConnection.open(d.endpoint);
    const sessionId = sessionIdOf(manifest);

    const status = signRequest({ type: 'status', sessionId }, 'alice', alice.signing.privateKey);
    expect(codeOf(await party.send(status))).toBe('status');
    expect(codeOf(await parent.send(status))).toBe('REQUEST_REPLAYED');
    expect(codeOf(await party.send(status))).toBe('REQUEST_REPLAYED');

    const envelope = await envelopeFor(manifest, session.key, alice, 'alice-input', [10, 20]);
    const submit = { type: 'submit-input', sessionId, input: { mode: 'hpke', envelope } };
    expect(codeOf(await party.send(submit))).toBe('input-accepted');
    expect(codeOf(await parent.send(submit))).toBe('INPUT_REPLAYED');

    // The session was not harmed: it completes with the one input alice sent.
    const clients = session.clients as Record<string, PartyClient>;
    await clients['bob']?.submit(manifest, 'bob-input', [60]);
    await clients['carol']?.submit(manifest, 'carol-input', [90]);
    await clients['carol']?.evaluate(manifest);
    expect((await clients['alice']?.result(manifest))?.value).toEqual(
      new Map<string, unknown>([
        ['mean', 45],
        ['count', 4],
      ]),
    );
    expect(await honest).toEqual(HONEST_MEAN);
    party.close();
    parent.close();
    session.close();
  });

  it('under last-wins, a replaced input leaves the receipts: every party verifies its result', async () => {
    const { alice, bob, carol } = d.parties;
    const manifest = parseManifest({ ...d.meanManifest(), resubmission: 'last-wins' });
    const session = await agree(manifest, [alice, bob, carol]);
    const clients = session.clients as Record<string, PartyClient>;
    try {
      await clients['alice']?.submit(manifest, 'alice-input', [1]);
      const kept = await clients['alice']?.submit(manifest, 'alice-input', [2]);
      await clients['bob']?.submit(manifest, 'bob-input', [3]);
      await clients['carol']?.submit(manifest, 'carol-input', [4]);
      await clients['carol']?.evaluate(manifest);
      const result = await clients['alice']?.result(manifest);
      const committed = result?.receipt.body.inputCommitments.filter((c) => c.partyId === 'alice');
      expect(committed?.map((c) => Buffer.from(c.commitment).toString('hex'))).toEqual([
        Buffer.from(kept ?? []).toString('hex'),
      ]);
      expect((result?.value as Map<string, unknown> | undefined)?.get('mean')).toBe(3);
    } finally {
      session.close();
    }
  });

  it("refuses a party of session A that uses its keys on session B, and B's parties complete", async () => {
    const { alice, bob, carol, mallory } = d.parties;
    const a = await agree(d.meanManifest([alice, mallory], 'mallory'), [alice, mallory]);
    const manifestB = d.meanManifest();
    const b = await agree(manifestB, [alice, bob, carol]);
    const sessionB = sessionIdOf(manifestB);
    const honest = d.honestMean();
    const conn = await EnclaveConnection.open(d.endpoint);
    const asMallory = <R extends { type: string }>(request: R) =>
      signRequest(request, 'mallory', mallory.signing.privateKey);

    // Signed requests on B under her own name: she is no party of B.
    for (const request of [
      asMallory({ type: 'status', sessionId: sessionB }),
      asMallory({ type: 'evaluate', sessionId: sessionB, round: 1 }),
      asMallory({ type: 'get-result', sessionId: sessionB, round: 1 }),
      asMallory({ type: 'destroy', sessionId: sessionB }),
    ]) {
      expect(codeOf(await conn.send(request))).toBe('PARTY_NOT_AUTHORIZED');
    }
    // Under a name B knows, her key does not verify.
    const posing = signRequest({ type: 'destroy', sessionId: sessionB }, 'carol', mallory.signing.privateKey);
    expect(codeOf(await conn.send(posing))).toBe('SIGNATURE_INVALID');
    // An input into B: as herself (no such party), and as alice signed with her own key.
    const own = await envelopeFor(manifestB, b.key, mallory, 'alice-input', [1_000_000]);
    expect(
      codeOf(
        await conn.send({
          type: 'submit-input',
          sessionId: sessionB,
          input: { mode: 'hpke', envelope: own },
        }),
      ),
    ).toBe('PARTY_NOT_AUTHORIZED');
    const forged = {
      ...(await envelopeFor(manifestB, b.key, mallory, 'alice-input', [1_000_000])),
      partyId: 'alice',
    };
    expect(
      codeOf(
        await conn.send({
          type: 'submit-input',
          sessionId: sessionB,
          input: { mode: 'hpke', envelope: forged },
        }),
      ),
    ).toBe('SIGNATURE_INVALID');
    // Her valid signed request on A, re-pointed at B: the signature covers the session id.
    const onA = asMallory({
      type: 'status',
      sessionId: sessionIdOf(d.meanManifest([alice, mallory], 'mallory')),
    });
    expect(codeOf(await conn.send({ ...onA, sessionId: sessionB }))).toBe('PARTY_NOT_AUTHORIZED');

    const clients = b.clients as Record<string, PartyClient>;
    await clients['alice']?.submit(manifestB, 'alice-input', [1]);
    await clients['bob']?.submit(manifestB, 'bob-input', [2]);
    await clients['carol']?.submit(manifestB, 'carol-input', [3]);
    await clients['carol']?.evaluate(manifestB);
    expect((await clients['bob']?.result(manifestB))?.value).toEqual(
      new Map<string, unknown>([
        ['mean', 2],
        ['count', 3],
      ]),
    );
    expect(await honest).toEqual(HONEST_MEAN);
    conn.close();
    a.close();
    b.close();
  });
});
