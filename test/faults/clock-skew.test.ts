/**
 * Clock skew between parties and the enclave. The enclave's clock rules: signed requests must be dated within
 * ±5 min of it (either way), the submission window is judged by it alone (inputs carry no party time), and a party
 * whose clock is off can neither extend nor open the window early. On the party side, a fresh attestation
 * document from an enclave whose clock is ahead verifies within the same tolerance, and receipts verify at their
 * own time whatever the party's clock says.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Manifest, signRequest, verifyReceipt, verifySessionAttestation } from '../../protocol/index.js';
import {
  codeOf,
  expectOk,
  HOUR,
  makeWorld,
  meanManifest,
  openSession,
  type Party,
  submit,
  T0,
  type World,
} from '../enclave/support.js';

const MINUTE = 60_000;

/** A signed status request from `party`, whose own clock reads the enclave's time plus `skewMs`. */
function statusFrom(world: World, sessionId: Uint8Array, party: Party, skewMs: number) {
  return world.service.handle(
    signRequest({ type: 'status', sessionId }, party.id, party.signing.privateKey, world.clock.now + skewMs),
  );
}

describe('signed requests from parties with skewed clocks', () => {
  it('are accepted within ±5 min of the enclave clock, either way', async () => {
    const world = await makeWorld();
    const { sessionId } = await openSession(world, meanManifest(world));
    for (const skew of [-4 * MINUTE, -30_000, 30_000, 4 * MINUTE]) {
      expect(codeOf(await statusFrom(world, sessionId, world.parties.alice, skew))).toBe('status');
    }
  });

  it('are refused beyond it with REQUEST_CLOCK_SKEW, the skew measured and what to do', async () => {
    const world = await makeWorld();
    const { sessionId } = await openSession(world, meanManifest(world));
    const behind = await statusFrom(world, sessionId, world.parties.alice, -6 * MINUTE);
    expect(behind).toMatchObject({
      type: 'error',
      code: 'REQUEST_CLOCK_SKEW',
      message: expect.stringMatching(/6 min 0 s behind the enclave's clock.*set this machine's clock right/),
    });
    const ahead = await statusFrom(world, sessionId, world.parties.bob, 11 * MINUTE);
    expect(ahead).toMatchObject({
      code: 'REQUEST_CLOCK_SKEW',
      message: expect.stringContaining("11 min 0 s ahead of the enclave's clock"),
    });
  });
});

describe('the submission window, judged by the enclave clock', () => {
  it('cannot be extended by a party whose clock is behind', async () => {
    const world = await makeWorld();
    const session = await openSession(world, meanManifest(world)); // window T0 .. T0 + 1 h
    expect(codeOf((await submit(world, session, world.parties.alice, 'salaries-a', [1])).response)).toBe(
      'input-accepted',
    );
    // The enclave is past the window; Bob's clock, 2 min behind, still shows it open.
    world.clock.now = T0 + HOUR + MINUTE;
    const late = await submit(world, session, world.parties.bob, 'salaries-b', [2]);
    expect(late.response).toMatchObject({ code: 'WINDOW_CLOSED' });
    // His status request (within the tolerance) is accepted and tells him the enclave's time.
    const status = expectOk(
      await statusFrom(world, session.sessionId, world.parties.bob, -2 * MINUTE),
      'status',
    );
    expect(status.at).toBe(T0 + HOUR + MINUTE);
    expect(status.at).toBeGreaterThan(status.window.closesAt);
    expect(status.inputs.find((i) => i.inputName === 'salaries-b')?.provided).toBe(false);
  });

  it('cannot be opened early by a party whose clock is ahead', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world, { window: { opensAt: T0 + 2 * MINUTE, closesAt: T0 + HOUR } });
    const session = await openSession(world, manifest);
    // Alice's clock is 3 min ahead: by it the window opened a minute ago; by the enclave's it opens in two.
    const early = await submit(world, session, world.parties.alice, 'salaries-a', [1]);
    expect(early.response).toMatchObject({ code: 'WINDOW_NOT_OPEN' });
    world.clock.now = T0 + 2 * MINUTE;
    expect(codeOf((await submit(world, session, world.parties.alice, 'salaries-a', [1])).response)).toBe(
      'input-accepted',
    );
  });
});

describe('attestation and receipts verified on a skewed party clock', () => {
  async function freshDocument(world: World, manifest: Manifest) {
    const session = await openSession(world, manifest);
    const nonce = new Uint8Array(randomBytes(32));
    const { document } = expectOk(
      await world.service.handle({ type: 'attest', sessionId: session.sessionId, nonce }),
      'attestation',
    );
    return { session, nonce, document };
  }

  it('a fresh document verifies on a party clock up to 5 min behind the enclave (certificate start included)', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const { nonce, document } = await freshDocument(world, manifest);
    const roots = [world.nsm.rootCertificate.der];
    for (const skew of [-10_000, -4 * MINUTE, 4 * MINUTE]) {
      await expect(
        verifySessionAttestation(document, { manifest, nonce, roots, at: world.clock.now + skew }),
      ).resolves.toBeDefined();
    }
    // Strict (no tolerance), a party 10 s behind would refuse the leaf issued seconds before the document.
    await expect(
      verifySessionAttestation(document, {
        manifest,
        nonce,
        roots,
        at: world.clock.now - 10_000,
        clockToleranceMs: 0,
      }),
    ).rejects.toMatchObject({ code: 'ATTESTATION_CERT_NOT_YET_VALID' });
  });

  it('beyond the tolerance, a party clock behind refuses the document and says when it is valid', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const { nonce, document } = await freshDocument(world, manifest);
    const roots = [world.nsm.rootCertificate.der];
    const error = await verifySessionAttestation(document, {
      manifest,
      nonce,
      roots,
      at: world.clock.now - 6 * MINUTE,
    }).then(
      () => ({ code: 'VALID', message: '' }),
      (e: unknown) => e as { code: string; message: string },
    );
    // The certificate path is judged before the document's own time: its leaf starts after the party's "now".
    expect(error).toMatchObject({ code: 'ATTESTATION_CERT_NOT_YET_VALID' });
    expect(error.message).toMatch(/not valid before .* \(checked at /);
    // A party that chose a wider tolerance accepts it.
    await expect(
      verifySessionAttestation(document, {
        manifest,
        nonce,
        roots,
        at: world.clock.now - 6 * MINUTE,
        clockToleranceMs: 10 * MINUTE,
      }),
    ).resolves.toBeDefined();
  });

  it('a document dated beyond the tolerance after the party clock is ATTESTATION_FROM_FUTURE, with the skew', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const { nonce, document } = await freshDocument(world, manifest);
    // The simulated leaf starts 3 s before its document (as real ones do): with the party 2 min behind and a
    // tolerance 1 s short of that, the leaf is valid but the document is dated after the tolerance.
    const error = await verifySessionAttestation(document, {
      manifest,
      nonce,
      roots: [world.nsm.rootCertificate.der],
      at: world.clock.now - 2 * MINUTE,
      clockToleranceMs: 2 * MINUTE - 1_000,
    }).then(
      () => ({ code: 'VALID', message: '' }),
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error).toMatchObject({
      code: 'ATTESTATION_FROM_FUTURE',
      details: { skewMs: 2 * MINUTE, toleranceMs: 2 * MINUTE - 1_000 },
    });
    expect(error.message).toMatch(/120000 ms after the verification time .*set the clock right/);
  });

  it('maxAgeMs counts on the party clock: a party ahead sees a fresh document as old by its skew', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const { nonce, document } = await freshDocument(world, manifest);
    const policy = { manifest, nonce, roots: [world.nsm.rootCertificate.der], maxAgeMs: 5 * MINUTE };
    await expect(
      verifySessionAttestation(document, { ...policy, at: world.clock.now + 4 * MINUTE }),
    ).resolves.toBeDefined();
    await expect(
      verifySessionAttestation(document, { ...policy, at: world.clock.now + 6 * MINUTE }),
    ).rejects.toMatchObject({ code: 'ATTESTATION_STALE', details: { ageMs: 6 * MINUTE } });
  });

  it('receipts verify at their own time whatever the party clock, and on a party clock within the tolerance', async () => {
    const world = await makeWorld();
    const manifest = meanManifest(world);
    const session = await openSession(world, manifest);
    await submit(world, session, world.parties.alice, 'salaries-a', [10]);
    await submit(world, session, world.parties.bob, 'salaries-b', [20]);
    const { carol } = world.parties;
    const sign = <R extends { type: string }>(request: R) =>
      signRequest(request, carol.id, carol.signing.privateKey, world.clock.now);
    expectOk(
      await world.service.handle(sign({ type: 'evaluate', sessionId: session.sessionId, round: 1 })),
      'evaluation-started',
    );
    const { receipt } = expectOk(
      await world.service.handle(sign({ type: 'get-result', sessionId: session.sessionId, round: 1 })),
      'result',
    );
    const roots = [world.nsm.rootCertificate.der];
    // Default: at the document's time, so a party years off still checks an archived receipt.
    await expect(verifyReceipt(receipt, { manifest, roots })).resolves.toMatchObject({ kind: 'result' });
    await expect(
      verifyReceipt(receipt, { manifest, roots, at: world.clock.now - 4 * MINUTE }),
    ).resolves.toMatchObject({ kind: 'result' });
  });
});
