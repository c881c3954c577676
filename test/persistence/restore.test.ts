import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JournalRecord } from '../../enclave/persistence/index.js';
import { SessionService } from '../../enclave/sessions/index.js';
import {
  CONTEXTS,
  type Manifest,
  verifyProtocolSignature,
  verifySessionAttestation,
} from '../../protocol/index.js';
import {
  codeOf,
  evaluateAndRead,
  expectOk,
  makeWorld,
  meanManifest,
  openSession,
  signed,
  submit,
  T0,
  type World,
} from '../enclave/support.js';
import { MemoryJournalStore } from './memory-store.js';

/** A world whose enclave seals every change into `store`. */
async function sealedWorld(store = new MemoryJournalStore(), sealKey = new Uint8Array(randomBytes(32))) {
  const world = await makeWorld({ persistence: { store, sealKey } });
  return { world, store, sealKey };
}

/** The same enclave image started again on the same store: a new service that rebuilds from the store. */
async function restart(world: World, store: MemoryJournalStore, sealKey: Uint8Array): Promise<World> {
  const service = new SessionService({
    now: () => world.clock.now,
    attest: (userData, nonce) => world.nsm.attest({ userData, ...(nonce === undefined ? {} : { nonce }) }),
    persistence: { store, sealKey },
  });
  return { ...world, service };
}

/** A mean session with both inputs in; returns the acknowledgements' counters. */
async function sessionWithInputs(world: World, manifest: Manifest = meanManifest(world)) {
  const { alice, bob } = world.parties;
  const session = await openSession(world, manifest);
  world.clock.now = T0 + 60_000;
  const a = expectOk(
    (await submit(world, session, alice, 'salaries-a', [100_000, 120_000])).response,
    'input-accepted',
  );
  const b = expectOk((await submit(world, session, bob, 'salaries-b', [80_000])).response, 'input-accepted');
  return { manifest, session, acks: [a, b] };
}

async function status(world: World, sessionId: Uint8Array) {
  return world.service.handle(signed(world, world.parties.alice, { type: 'status', sessionId }));
}

describe('sealed persistence: a restarted enclave continues its sessions', () => {
  it('keeps every acknowledged input, the keys parties attested, and finishes the session', async () => {
    const { world, store, sealKey } = await sealedWorld();
    const { alice, bob, carol } = world.parties;
    const { manifest, session, acks } = await sessionWithInputs(world);
    expect(acks.map((a) => a.stateCounter)).toEqual([5, 6]); // created, 3 approvals, then the inputs
    // The parent holds sealed records only: no input number appears in them.
    const stored = Buffer.concat(store.log.map((r) => r.sealed));
    expect(stored.includes(Buffer.from('salaries-a'))).toBe(false);

    const restarted = await restart(world, store, sealKey);
    expect(await restarted.service.restore()).toEqual({ restored: 1, refused: [] });
    world.clock.now += 1_000;
    const now = expectOk(await status(restarted, session.sessionId), 'status');
    expect(now.inputs.every((i) => i.provided)).toBe(true);
    expect(now.state.counter).toBe(6);
    // A fresh attestation binds the very keys the parties verified before the restart.
    const nonce = new Uint8Array(randomBytes(32));
    const { document } = expectOk(
      await restarted.service.handle({ type: 'attest', sessionId: session.sessionId, nonce }),
      'attestation',
    );
    const again = await verifySessionAttestation(document, {
      manifest,
      nonce,
      roots: [world.nsm.rootCertificate.der],
      at: world.clock.now,
    });
    expect(again.enclaveSigningKey).toEqual(session.attested.enclaveSigningKey);
    expect(again.hpkePublicKey).toEqual(session.attested.hpkePublicKey);

    // Receipts signed by the key the parties verified by attestation before the restart.
    for (const { summary, value } of await evaluateAndRead(restarted, session, manifest, carol, [
      alice,
      bob,
      carol,
    ])) {
      expect(summary.sessionId).toBe(Buffer.from(session.sessionId).toString('hex'));
      expect(value).toEqual(
        new Map<string, unknown>([
          ['mean', 100_000],
          ['count', 3],
        ]),
      );
    }
    // Every recipient has its result: the session destroyed itself, and its records left the store.
    expect(store.log.filter((r) => Buffer.compare(r.sessionId, session.sessionId) === 0)).toHaveLength(0);
    const { certificate } = expectOk(
      await restarted.service.handle(signed(world, alice, { type: 'destroy', sessionId: session.sessionId })),
      'destroyed',
    );
    expect(certificate.body.destroyed.map((d) => d.commitment)).toEqual(acks.map((a) => a.commitment));
  });

  it("signs the state it reports with the attested session key and the asking party's nonce", async () => {
    const { world } = await sealedWorld();
    const { session } = await sessionWithInputs(world);
    const request = signed(world, world.parties.alice, { type: 'status', sessionId: session.sessionId });
    const answer = expectOk(await world.service.handle(request), 'status');
    const body = { sessionId: session.sessionId, counter: answer.state.counter, nonce: request.auth.nonce };
    const key = session.attested.enclaveSigningKey;
    expect(verifyProtocolSignature(CONTEXTS.stateProof, body, answer.state.signature, key)).toBe(true);
    expect(
      verifyProtocolSignature(CONTEXTS.stateProof, { ...body, counter: 99 }, answer.state.signature, key),
    ).toBe(false);
  });

  it('refuses signed requests made before the restart (their nonces were forgotten)', async () => {
    const { world, store, sealKey } = await sealedWorld();
    const { session } = await sessionWithInputs(world);
    const before = signed(world, world.parties.alice, { type: 'status', sessionId: session.sessionId });
    world.clock.now += 1;
    const restarted = await restart(world, store, sealKey);
    await restarted.service.restore();
    expect(codeOf(await restarted.service.handle(before))).toBe('REQUEST_REPLAYED');
    expect(codeOf(await status(restarted, session.sessionId))).toBe('status');
  });

  it('restores a session with approvals only, which then opens and takes inputs', async () => {
    const { world, store, sealKey } = await sealedWorld();
    const session = await openSession(world, meanManifest(world));
    const restarted = await restart(world, store, sealKey);
    await restarted.service.restore();
    world.clock.now = T0 + 60_000;
    const ack = await submit(restarted, session, world.parties.alice, 'salaries-a', [1]);
    expect(codeOf(ack.response)).toBe('input-accepted');
  });
});

describe('sealed persistence: what a hostile parent does to the store is detected', () => {
  async function tamperedRestore(edit: (log: JournalRecord[], sessionId: Uint8Array) => JournalRecord[]) {
    const { world, store, sealKey } = await sealedWorld();
    const { session } = await sessionWithInputs(world);
    store.serve = edit([...store.log], session.sessionId);
    const restarted = await restart(world, store, sealKey);
    const outcome = await restarted.service.restore();
    return { outcome, answer: await status(restarted, session.sessionId), restarted, session };
  }

  it.each([
    ['a record removed from the middle', (log: JournalRecord[]) => log.filter((_, i) => i !== 3)],
    [
      'two records swapped',
      (log: JournalRecord[]) => [log[0], log[2], log[1], ...log.slice(3)] as JournalRecord[],
    ],
    [
      'a record replayed twice',
      (log: JournalRecord[]) => [...log.slice(0, 5), log[4], log[5]] as JournalRecord[],
    ],
    ['the creation record removed', (log: JournalRecord[]) => log.slice(1)],
    [
      'a record with one bit flipped',
      (log: JournalRecord[]) =>
        log.map((r, i) => {
          if (i !== 4) return r;
          const sealed = new Uint8Array(r.sealed);
          sealed[20] = (sealed[20] ?? 0) ^ 1;
          return { ...r, sealed };
        }),
    ],
  ])('%s: STATE_ROLLBACK, for that session only', async (_, edit) => {
    const { outcome, answer } = await tamperedRestore(edit);
    expect(outcome.refused.map((r) => r.code)).toEqual(['STATE_ROLLBACK']);
    expect(codeOf(answer)).toBe('STATE_ROLLBACK');
  });

  it("moves one session's records under another session's id: STATE_ROLLBACK", async () => {
    const { world, store, sealKey } = await sealedWorld();
    const first = await sessionWithInputs(world);
    const second = await openSession(world, meanManifest(world));
    // The parent relabels the first session's records as the second's (same counters, same lengths).
    store.serve = store.log.map((r) =>
      Buffer.compare(r.sessionId, first.session.sessionId) === 0 ? { ...r, sessionId: second.sessionId } : r,
    );
    const restarted = await restart(world, store, sealKey);
    const outcome = await restarted.service.restore();
    expect(outcome.refused.map((r) => r.code)).toEqual(['STATE_ROLLBACK']);
    expect(codeOf(await status(restarted, second.sessionId))).toBe('STATE_ROLLBACK');
  });

  it('state sealed by another enclave image (another seal key) does not open: STATE_ROLLBACK', async () => {
    const { world, store } = await sealedWorld();
    const { session } = await sessionWithInputs(world);
    const restarted = await restart(world, store, new Uint8Array(randomBytes(32)));
    expect((await restarted.service.restore()).refused.map((r) => r.code)).toEqual(['STATE_ROLLBACK']);
    expect(codeOf(await status(restarted, session.sessionId))).toBe('STATE_ROLLBACK');
  });

  it('a truncated journal restores an older state, which the signed counter gives away to the party', async () => {
    const { outcome, answer } = await tamperedRestore((log) => log.slice(0, -1));
    expect(outcome.refused).toEqual([]);
    const reported = expectOk(answer, 'status');
    // Bob was told his input made the journal 6 records long; the enclave now signs 5: a rollback.
    expect(reported.state.counter).toBe(5);
  });
});

describe('sealed persistence: store failures', () => {
  it('an input the store refused (disk full) is not acknowledged and can be sent again', async () => {
    const { world, store, sealKey } = await sealedWorld();
    const { alice, bob } = world.parties;
    const session = await openSession(world, meanManifest(world));
    world.clock.now = T0 + 60_000;
    store.failNext = 'STORE_FULL';
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [1])).response)).toBe('STORE_FULL');
    expect(expectOk(await status(world, session.sessionId), 'status').inputs[0]?.provided).toBe(false);
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [1])).response)).toBe('input-accepted');
    expect(codeOf((await submit(world, session, bob, 'salaries-b', [3])).response)).toBe('input-accepted');
    const restarted = await restart(world, store, sealKey);
    expect((await restarted.service.restore()).refused).toEqual([]);
    expect(
      expectOk(await status(restarted, session.sessionId), 'status').inputs.every((i) => i.provided),
    ).toBe(true);
  });

  it('a write whose outcome is unknown stops the enclave taking changes (STATE_UNAVAILABLE)', async () => {
    const store = new MemoryJournalStore();
    const halts: unknown[] = [];
    const world = await makeWorld({
      persistence: { store, sealKey: new Uint8Array(randomBytes(32)), onHalt: (e) => halts.push(e) },
    });
    const session = await openSession(world, meanManifest(world));
    world.clock.now = T0 + 60_000;
    store.failNext = 'STORE_UNAVAILABLE';
    expect(codeOf((await submit(world, session, world.parties.alice, 'salaries-a', [1])).response)).toBe(
      'STATE_UNAVAILABLE',
    );
    expect(halts).toHaveLength(1);
    expect(codeOf((await submit(world, session, world.parties.bob, 'salaries-b', [1])).response)).toBe(
      'STATE_UNAVAILABLE',
    );
  });
});
