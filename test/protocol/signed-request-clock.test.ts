/**
 * Clock skew between a party and the enclave: a signed request's timestamp (the party's clock) is judged by the
 * enclave's clock with an explicit tolerance, ±5 min by default, either way; outside it the refusal says by how
 * much and which way. The nonce is remembered exactly as long as the timestamp can still pass.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_SKEW_MS,
  type ProtocolError,
  RequestNonceCache,
  signRequest,
  verifyRequest,
} from '../../protocol/index.js';
import { AT, makeParties, type TestParty } from './fixtures.js';

const MINUTE = 60_000;
let alice: TestParty;

beforeAll(async () => {
  [alice] = (await makeParties()) as [TestParty];
});

/** A status request signed by a party whose clock reads `partyClock`. */
const signedAt = (partyClock: number) =>
  signRequest(
    { type: 'status', sessionId: new Uint8Array(32) },
    alice.id,
    alice.signing.privateKey,
    partyClock,
  );

function refusal(run: () => void): ProtocolError {
  try {
    run();
  } catch (error) {
    return error as ProtocolError;
  }
  throw new Error('expected a refusal');
}

describe('signed request timestamps against the enclave clock', () => {
  it('has an explicit default tolerance of five minutes', () => {
    expect(DEFAULT_MAX_SKEW_MS).toBe(5 * MINUTE);
  });

  it.each([
    ['behind', -4 * MINUTE],
    ['ahead', 4 * MINUTE],
    ['behind, at the edge', -5 * MINUTE],
    ['ahead, at the edge', 5 * MINUTE],
  ])('accepts a party clock %s within the tolerance', (_label, skew) => {
    expect(() => verifyRequest(signedAt(AT + skew), alice.signing.publicKey, { now: AT })).not.toThrow();
  });

  it.each([
    ['behind', -6 * MINUTE, 'behind'],
    ['ahead', 7 * MINUTE + 3_000, 'ahead of'],
  ])('refuses a party clock %s beyond it with REQUEST_CLOCK_SKEW, saying by how much', (_l, skew, words) => {
    const error = refusal(() => verifyRequest(signedAt(AT + skew), alice.signing.publicKey, { now: AT }));
    expect(error.code).toBe('REQUEST_CLOCK_SKEW');
    expect(error.details).toMatchObject({ skewMs: skew, toleranceMs: 5 * MINUTE, enclaveTime: AT });
    expect(error.message).toContain(`${words} the enclave's clock`);
    expect(error.message).toMatch(/tolerance ±5 min 0 s\).*set this machine's clock right/);
  });

  it('takes the tolerance from the verifier: tighter and wider', () => {
    const twoMinutesAhead = signedAt(AT + 2 * MINUTE);
    const tight = refusal(() =>
      verifyRequest(twoMinutesAhead, alice.signing.publicKey, { now: AT, maxSkewMs: MINUTE }),
    );
    expect(tight.code).toBe('REQUEST_CLOCK_SKEW');
    const hourBehind = signedAt(AT - 60 * MINUTE);
    expect(() =>
      verifyRequest(hourBehind, alice.signing.publicKey, { now: AT, maxSkewMs: 61 * MINUTE }),
    ).not.toThrow();
  });

  it('remembers a nonce exactly as long as its timestamp can pass, so a replay is never accepted', () => {
    const nonces = new RequestNonceCache(2);
    const request = signedAt(AT - 4 * MINUTE);
    verifyRequest(request, alice.signing.publicKey, { now: AT, nonces });
    // Within the span: the replay is caught by the nonce.
    expect(
      refusal(() => verifyRequest(request, alice.signing.publicKey, { now: AT + MINUTE, nonces })).code,
    ).toBe('REQUEST_REPLAYED');
    // After it: by the clock, the entry having been dropped.
    expect(
      refusal(() => verifyRequest(request, alice.signing.publicKey, { now: AT + MINUTE + 1, nonces })).code,
    ).toBe('REQUEST_CLOCK_SKEW');
    // The dropped entry made room: two fresh requests fit in a cache of two.
    verifyRequest(signedAt(AT + 2 * MINUTE), alice.signing.publicKey, { now: AT + 2 * MINUTE, nonces });
    verifyRequest(signedAt(AT + 2 * MINUTE), alice.signing.publicKey, { now: AT + 2 * MINUTE, nonces });
    // A third while both are live: a flood, refused as such (not called a replay).
    expect(
      refusal(() =>
        verifyRequest(signedAt(AT + 2 * MINUTE), alice.signing.publicKey, { now: AT + 2 * MINUTE, nonces }),
      ).code,
    ).toBe('REQUEST_RATE_EXCEEDED');
  });
});
