import { describe, expect, it, vi } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { AuditLog, SessionService } from '../../enclave/sessions/index.js';
import { SenderSecrets } from '../../enclave/sessions/sender-secrets.js';
import { encodeManifest, sealInput, verifyReceipt } from '../../protocol/index.js';
import {
  codeOf,
  evaluateAndRead,
  expectOk,
  HOUR,
  makeWorld,
  meanManifest,
  openSession,
  readResult,
  signed,
  submit,
  T0,
} from './support.js';

describe('SessionService: a three-party mean', () => {
  it('runs end to end: approve, attest, submit, evaluate, signed results, destruction certificate', async () => {
    const world = await makeWorld();
    const { alice, bob, carol } = world.parties;
    const manifest = meanManifest(world);
    const session = await openSession(world, manifest);
    world.clock.now = T0 + 60_000;
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [100_000, 120_000])).response)).toBe(
      'input-accepted',
    );
    expect(codeOf((await submit(world, session, bob, 'salaries-b', [80_000])).response)).toBe(
      'input-accepted',
    );

    const status = expectOk(
      await world.service.handle(signed(world, alice, { type: 'status', sessionId: session.sessionId })),
      'status',
    );
    expect(status.inputs.every((i) => i.provided)).toBe(true);
    expect(status.phase).toBe('open');

    const roots = [world.nsm.rootCertificate.der];
    for (const { receipt, summary, value } of await evaluateAndRead(world, session, manifest, carol, [
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
      expect(receipt.body.inputCommitments).toHaveLength(2);
    }

    // Every recipient has its result: the session destroyed itself; any party can fetch the certificate.
    const { certificate } = expectOk(
      await world.service.handle(signed(world, alice, { type: 'destroy', sessionId: session.sessionId })),
      'destroyed',
    );
    const verified = await verifyReceipt(certificate, { roots, manifest });
    expect(verified.kind).toBe('destruction');
    expect(certificate.body.reason).toBe('completed');
    expect(certificate.body.destroyed.map((d) => d.inputName).sort()).toEqual(['salaries-a', 'salaries-b']);
    const after = await submit(world, session, alice, 'salaries-a', [1]);
    expect(codeOf(after.response)).toBe('SESSION_DESTROYED');
  });
});

describe('SessionService refusals keep honest parties whole', () => {
  it("refuses an outsider, a party providing another party's input, and inputs before approval", async () => {
    const world = await makeWorld();
    const { alice, bob, mallory } = world.parties;
    const manifest = meanManifest(world);
    const session = await openSession(world, manifest);
    world.clock.now = T0 + 1000;
    expect(codeOf((await submit(world, session, mallory, 'salaries-a', [1])).response)).toBe(
      'PARTY_NOT_AUTHORIZED',
    );
    expect(codeOf((await submit(world, session, bob, 'salaries-a', [1])).response)).toBe(
      'PARTY_NOT_AUTHORIZED',
    );
    expect(codeOf((await submit(world, session, alice, 'salaries-z', [1])).response)).toBe('INPUT_UNKNOWN');
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [1])).response)).toBe('input-accepted');
    const mallorysStatus = await world.service.handle(
      signed(world, mallory, { type: 'status', sessionId: session.sessionId }),
    );
    expect(codeOf(mallorysStatus)).toBe('PARTY_NOT_AUTHORIZED');
  });

  it('refuses a replayed input, a tampered one, and one signed by another key', async () => {
    const world = await makeWorld();
    const { alice, bob } = world.parties;
    const session = await openSession(world, meanManifest(world, { resubmission: 'last-wins' }));
    world.clock.now = T0 + 1000;
    const first = await submit(world, session, alice, 'salaries-a', [10]);
    expect(codeOf(first.response)).toBe('input-accepted');
    const replay = await world.service.handle({
      type: 'submit-input',
      sessionId: session.sessionId,
      input: { mode: 'hpke', envelope: first.envelope },
    });
    expect(codeOf(replay)).toBe('INPUT_REPLAYED');
    const tampered = {
      ...first.envelope,
      ciphertext: new Uint8Array(first.envelope.ciphertext).map((b, i) => (i === 3 ? b ^ 1 : b)),
    };
    const tamperedResponse = await world.service.handle({
      type: 'submit-input',
      sessionId: session.sessionId,
      input: { mode: 'hpke', envelope: tampered },
    });
    expect(codeOf(tamperedResponse)).toBe('SIGNATURE_INVALID');
    const forged = {
      ...(await submit(world, session, bob, 'salaries-b', [5])).envelope,
      partyId: 'alice',
      inputName: 'salaries-a',
    };
    const forgedResponse = await world.service.handle({
      type: 'submit-input',
      sessionId: session.sessionId,
      input: { mode: 'hpke', envelope: forged },
    });
    expect(codeOf(forgedResponse)).toBe('SIGNATURE_INVALID');
    // last-wins: alice's corrected input replaces the first.
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [20])).response)).toBe('input-accepted');
  });

  it("accepts HPKE auth-mode inputs under the party's manifest key, refuses them from a party without one", async () => {
    const world = await makeWorld();
    const { alice, bob, carol } = world.parties;
    // bob has only a signing key in this manifest (his result is delivered in the clear).
    const manifest = meanManifest(world, {
      resubmission: 'last-wins',
      parties: [alice, bob, carol].map((p) => ({
        id: p.id,
        displayName: p.id,
        signingKey: p.signing.publicKey,
        ...(p === bob ? {} : { hpkePublicKey: p.hpke.publicKey }),
      })),
      recipients: [
        { party: 'alice', view: 'full', delivery: 'encrypted' },
        { party: 'bob', view: 'full', delivery: 'clear' },
      ],
    });
    const session = await openSession(world, manifest);
    world.clock.now = T0 + 1000;
    const fromBob = await submit(world, session, bob, 'salaries-b', [7], 1, 'hpke');
    expect(codeOf(fromBob.response)).toBe('SENDER_KEY_MISSING');
    // carol's key, claimed by alice: sealed by someone other than the party it names, it does not open.
    const byCarol = await sealInput({
      sessionId: session.sessionId,
      inputName: 'salaries-a',
      partyId: 'alice',
      round: 1,
      plaintext: encodeCbor([1]),
      recipientPublicKey: session.attested.hpkePublicKey,
      senderHpkeKey: carol.hpke.privateKey,
    });
    const forged = await world.service.handle({
      type: 'submit-input',
      sessionId: session.sessionId,
      input: { mode: 'hpke', envelope: byCarol },
    });
    expect(codeOf(forged)).toBe('HPKE_OPEN_FAILED');
    const fromAlice = await submit(world, session, alice, 'salaries-a', [10, 30], 1, 'hpke');
    expect(codeOf(fromAlice.response)).toBe('input-accepted');
    expect(codeOf((await submit(world, session, bob, 'salaries-b', [50])).response)).toBe('input-accepted');
    const replay = await world.service.handle({
      type: 'submit-input',
      sessionId: session.sessionId,
      input: { mode: 'hpke', envelope: fromAlice.envelope },
    });
    expect(codeOf(replay)).toBe('INPUT_REPLAYED');
    const [result] = await evaluateAndRead(world, session, manifest, carol, [alice]);
    // Both inputs count: alice's opened in auth mode, bob's signed one.
    expect(result?.value).toEqual(
      new Map<string, unknown>([
        ['mean', 30],
        ['count', 3],
      ]),
    );
    // Destroying the session zeroes the parties' static DH secrets with its key.
    const forget = vi.spyOn(SenderSecrets.prototype, 'forget');
    expectOk(
      await world.service.handle(signed(world, alice, { type: 'destroy', sessionId: session.sessionId })),
      'destroyed',
    );
    expect(forget).toHaveBeenCalledTimes(1);
    forget.mockRestore();
  });

  it('applies the resubmission policies: reject refuses, first-wins keeps the first', async () => {
    const world = await makeWorld();
    const { alice } = world.parties;
    const rejecting = await openSession(world, meanManifest(world, { resubmission: 'reject' }));
    world.clock.now = T0 + 1000;
    expect(codeOf((await submit(world, rejecting, alice, 'salaries-a', [1])).response)).toBe(
      'input-accepted',
    );
    expect(codeOf((await submit(world, rejecting, alice, 'salaries-a', [2])).response)).toBe(
      'INPUT_ALREADY_PROVIDED',
    );
    const keeping = await openSession(world, meanManifest(world, { resubmission: 'first-wins' }));
    const first = expectOk(
      (await submit(world, keeping, alice, 'salaries-a', [1])).response,
      'input-accepted',
    );
    const second = expectOk(
      (await submit(world, keeping, alice, 'salaries-a', [2])).response,
      'input-accepted',
    );
    expect(Buffer.from(second.commitment).equals(Buffer.from(first.commitment))).toBe(true);
  });

  it('enforces the window and the threshold', async () => {
    const world = await makeWorld();
    const { alice, carol } = world.parties;
    const session = await openSession(
      world,
      meanManifest(world, { window: { opensAt: T0 + HOUR, closesAt: T0 + 2 * HOUR } }),
    );
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [1])).response)).toBe('WINDOW_NOT_OPEN');
    world.clock.now = T0 + HOUR + 1;
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [1])).response)).toBe('input-accepted');
    const early = await world.service.handle(
      signed(world, carol, { type: 'evaluate', sessionId: session.sessionId, round: 1 }),
    );
    expect(codeOf(early)).toBe('THRESHOLD_NOT_MET');
    world.clock.now = T0 + 2 * HOUR + 1;
    expect(codeOf((await submit(world, session, alice, 'salaries-a', [1])).response)).toBe('WINDOW_CLOSED');
    const notRequester = await world.service.handle(
      signed(world, alice, { type: 'evaluate', sessionId: session.sessionId, round: 1 }),
    );
    expect(codeOf(notRequester)).toBe('EVALUATION_NOT_ALLOWED');
  });

  it('runs two rounds: inputs provided each round are cleared, inputs provided once are kept', async () => {
    const world = await makeWorld();
    const { alice, bob, carol } = world.parties;
    const base = meanManifest(world);
    const manifest = meanManifest(world, {
      rounds: 2,
      inputs: [
        { ...base.inputs[0], provide: 'once' },
        { ...base.inputs[1], provide: 'each-round' },
      ],
    });
    const session = await openSession(world, manifest);
    world.clock.now = T0 + 1000;
    await submit(world, session, alice, 'salaries-a', [10]);
    await submit(world, session, bob, 'salaries-b', [20]);
    expectOk(
      await world.service.handle(
        signed(world, carol, { type: 'evaluate', sessionId: session.sessionId, round: 1 }),
      ),
      'evaluation-started',
    );
    const round1 = expectOk(
      await world.service.handle(
        signed(world, carol, { type: 'get-result', sessionId: session.sessionId, round: 1 }),
      ),
      'result',
    );
    expect(round1.receipt.body.result).toMatchObject({ delivery: 'clear' });
    const status = expectOk(
      await world.service.handle(signed(world, alice, { type: 'status', sessionId: session.sessionId })),
      'status',
    );
    expect(status.round).toBe(2);
    expect(status.inputs).toEqual([
      { inputName: 'salaries-a', partyId: 'alice', provided: true },
      { inputName: 'salaries-b', partyId: 'bob', provided: false },
    ]);
    expect(codeOf((await submit(world, session, bob, 'salaries-b', [40], 1)).response)).toBe('ROUND_INVALID');
    expect(codeOf((await submit(world, session, bob, 'salaries-b', [40], 2)).response)).toBe(
      'input-accepted',
    );
    expectOk(
      await world.service.handle(
        signed(world, carol, { type: 'evaluate', sessionId: session.sessionId, round: 2 }),
      ),
      'evaluation-started',
    );
    const round2 = expectOk(
      await world.service.handle(
        signed(world, alice, { type: 'get-result', sessionId: session.sessionId, round: 2 }),
      ),
      'result',
    );
    expect(await readResult(alice, round2.receipt)).toEqual(
      new Map<string, unknown>([
        ['mean', 25],
        ['count', 2],
      ]),
    );
  });

  it('refuses replayed signed requests and keeps a verifiable audit chain without inputs', async () => {
    const world = await makeWorld();
    const { alice } = world.parties;
    const session = await openSession(world, meanManifest(world));
    const request = signed(world, alice, { type: 'status', sessionId: session.sessionId });
    expect(codeOf(await world.service.handle(request))).toBe('status');
    expect(codeOf(await world.service.handle(request))).toBe('REQUEST_REPLAYED');
    const log = new AuditLog();
    log.append({ type: 'created', at: 1 });
    log.append({ type: 'approved', at: 2, partyId: 'alice' });
    expect(AuditLog.verify(log.list())).toBe(true);
    const altered = log.list().map((e, i) => (i === 0 ? { ...e, at: 9 } : e));
    expect(AuditLog.verify(altered)).toBe(false);
  });

  it('keeps concurrent sessions apart: a party of one session cannot act in another', async () => {
    const world = await makeWorld();
    const { alice, bob, carol, mallory } = world.parties;
    const first = await openSession(world, meanManifest(world));
    const second = meanManifest(world, {
      parties: [alice, mallory].map((p) => ({
        id: p.id,
        displayName: p.id,
        signingKey: p.signing.publicKey,
      })),
      inputs: [{ name: 'salaries-a', provider: 'alice', schema: 'numbers', maxBytes: 1024, provide: 'once' }],
      recipients: [{ party: 'mallory', view: 'full', delivery: 'clear' }],
      threshold: 1,
      evaluation: { trigger: 'on-request', requesters: ['mallory'] },
    });
    const other = await openSession(world, second);
    world.clock.now = T0 + 1000;
    const alicesInput = await submit(world, first, alice, 'salaries-a', [1]);
    expect(codeOf(alicesInput.response)).toBe('input-accepted');
    // Mallory is a party of the second session only: nothing of the first is hers.
    for (const request of [
      { type: 'status', sessionId: first.sessionId },
      { type: 'evaluate', sessionId: first.sessionId, round: 1 },
      { type: 'get-result', sessionId: first.sessionId, round: 1 },
      { type: 'destroy', sessionId: first.sessionId },
    ] as const) {
      expect(codeOf(await world.service.handle(signed(world, mallory, request)))).toBe(
        'PARTY_NOT_AUTHORIZED',
      );
    }
    // An envelope sealed for the first session does not open in the second.
    const sealedForFirst = await submit(world, first, bob, 'salaries-b', [2]);
    const moved = await world.service.handle({
      type: 'submit-input',
      sessionId: other.sessionId,
      input: { mode: 'hpke', envelope: sealedForFirst.envelope },
    });
    expect(codeOf(moved)).toBe('PARTY_NOT_AUTHORIZED');
    // Alice is in both, but her envelope is bound to the first session: replayed into the second it is refused.
    const replayed = await world.service.handle({
      type: 'submit-input',
      sessionId: other.sessionId,
      input: { mode: 'hpke', envelope: alicesInput.envelope },
    });
    expect(codeOf(replayed)).toBe('BINDING_MISMATCH');
    const status = expectOk(
      await world.service.handle(signed(world, carol, { type: 'status', sessionId: first.sessionId })),
      'status',
    );
    expect(status.inputs.every((i) => i.provided)).toBe(true);
  });

  it('answers garbage with MESSAGE_INVALID and unknown sessions with SESSION_UNKNOWN', async () => {
    const world = await makeWorld();
    expect(codeOf(await world.service.handle({ type: 'nonsense' }))).toBe('MESSAGE_INVALID');
    expect(codeOf(await world.service.handle(42))).toBe('MESSAGE_INVALID');
    expect(
      codeOf(
        await world.service.handle({
          type: 'attest',
          sessionId: new Uint8Array(32),
          nonce: new Uint8Array(32),
        }),
      ),
    ).toBe('SESSION_UNKNOWN');
  });
});

describe('SessionService capacity over a long run', () => {
  it('counts only live sessions against its capacity and forgets the oldest destroyed ones beyond a bound', async () => {
    const base = await makeWorld();
    const service = new SessionService({
      now: () => base.clock.now,
      attest: (userData, nonce) => base.nsm.attest({ userData, ...(nonce === undefined ? {} : { nonce }) }),
      maxSessions: 2,
      maxDestroyedSessions: 1,
    });
    const world = { ...base, service };
    const { alice } = world.parties;
    const create = async (manifest: ReturnType<typeof meanManifest>) =>
      codeOf(await service.handle({ type: 'create-session', manifest: encodeManifest(manifest) }));
    const destroy = async (sessionId: Uint8Array) =>
      codeOf(await service.handle(signed(world, alice, { type: 'destroy', sessionId })));

    const first = await openSession(world, meanManifest(world));
    const second = await openSession(world, meanManifest(world));
    expect(await create(meanManifest(world))).toBe('CAPACITY_EXCEEDED');
    expect(await destroy(first.sessionId)).toBe('destroyed');
    expect(await destroy(second.sessionId)).toBe('destroyed');
    // Two destroyed sessions no longer hold the capacity (they used to, for ever).
    const third = await openSession(world, meanManifest(world));
    expect(await create(meanManifest(world))).toBe('session-created');
    // One destroyed session is kept (its certificate is given again); the older one is forgotten.
    expect(await destroy(second.sessionId)).toBe('destroyed');
    expect(await destroy(first.sessionId)).toBe('SESSION_UNKNOWN');
    expect(await create(meanManifest(world))).toBe('CAPACITY_EXCEEDED');
    expect(await destroy(third.sessionId)).toBe('destroyed');
  });
});
