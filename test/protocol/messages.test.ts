import { beforeAll, describe, expect, it } from 'vitest';
import { decodeStrictCbor, encodeCanonicalCbor } from '../../common/cbor/index.js';
import {
  encodeManifest,
  errorResponseOf,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type Manifest,
  ProtocolError,
  parseEnclaveResponse,
  parsePartyRequest,
  RequestNonceCache,
  sealInput,
  sessionIdOf,
  signApproval,
  signRequest,
  verifyRequest,
} from '../../protocol/index.js';
import { AT, codeOf, makeManifest, makeParties, type TestParty } from './fixtures.js';

let parties: TestParty[];
let manifest: Manifest;
let sessionId: Uint8Array;

beforeAll(async () => {
  parties = await makeParties();
  manifest = makeManifest(parties);
  sessionId = sessionIdOf(manifest);
});

function alice(): TestParty {
  const p = parties[0];
  if (p === undefined) throw new Error('no alice');
  return p;
}

/** What the transport hands over: the value after a CBOR round trip (Maps, Buffers, bigints). */
const overTheWire = (value: unknown): unknown => decodeStrictCbor(encodeCanonicalCbor(value));

describe('messages', () => {
  it('accepts every request kind after a CBOR round trip', async () => {
    const session = await generateHpkeKeyPair();
    const envelope = await sealInput({
      sessionId,
      inputName: 'salaries-a',
      partyId: 'alice',
      round: 1,
      plaintext: new Uint8Array(8),
      recipientPublicKey: session.publicKey,
      senderSigningKey: alice().signing.privateKey,
    });
    const requests: unknown[] = [
      { type: 'create-session', manifest: encodeManifest(manifest) },
      { type: 'approve', approval: signApproval(manifest, 'alice', alice().signing.privateKey) },
      { type: 'attest', sessionId, nonce: new Uint8Array(32) },
      { type: 'submit-input', sessionId, input: { mode: 'hpke', envelope } },
      signRequest({ type: 'status', sessionId }, 'alice', alice().signing.privateKey, AT),
      signRequest({ type: 'evaluate', sessionId, round: 1 }, 'carol', alice().signing.privateKey, AT),
      signRequest({ type: 'get-result', sessionId, round: 1 }, 'alice', alice().signing.privateKey, AT),
      signRequest({ type: 'destroy', sessionId }, 'alice', alice().signing.privateKey, AT),
    ];
    for (const request of requests) {
      const parsed = parsePartyRequest(overTheWire(request));
      expect(parsed.type).toBe((request as { type: string }).type);
    }
  });

  const refused: [string, unknown][] = [
    ['an unknown type', { type: 'launch-missiles' }],
    ['an unknown field', { type: 'attest', sessionId: new Uint8Array(32), nonce: new Uint8Array(32), x: 1 }],
    ['a short session id', { type: 'attest', sessionId: new Uint8Array(31), nonce: new Uint8Array(32) }],
    ['a short nonce', { type: 'attest', sessionId: new Uint8Array(32), nonce: new Uint8Array(8) }],
    ['a status request without auth', { type: 'status', sessionId: new Uint8Array(32) }],
    [
      'a hex string where bytes belong',
      { type: 'attest', sessionId: 'ab'.repeat(32), nonce: new Uint8Array(32) },
    ],
    ['round 0', { type: 'evaluate', sessionId: new Uint8Array(32), round: 0 }],
    ['a non-object', 42],
  ];
  for (const [what, value] of refused) {
    it(`refuses ${what} with MESSAGE_INVALID`, async () => {
      expect(await codeOf(() => parsePartyRequest(value))).toBe('MESSAGE_INVALID');
    });
  }

  it('validates responses and turns errors into error responses without leaking unknown ones', () => {
    const error = errorResponseOf(new ProtocolError('BINDING_MISMATCH', 'bound elsewhere'));
    expect(parseEnclaveResponse(overTheWire(error))).toEqual(error);
    expect(errorResponseOf(new Error('secret detail'))).toEqual({
      type: 'error',
      code: 'INTERNAL',
      message: 'internal error',
    });
    expect(() => parseEnclaveResponse({ type: 'error', code: 'lower', message: '' })).toThrow(ProtocolError);
    const status = {
      type: 'status',
      sessionId,
      phase: 'open',
      round: 1,
      window: manifest.window,
      pendingApprovals: [],
      inputs: [{ inputName: 'salaries-a', partyId: 'alice', provided: true }],
      at: AT,
      state: { counter: 6, signature: new Uint8Array(64) },
    };
    expect(parseEnclaveResponse(overTheWire(status)).type).toBe('status');
    // Without the signed state a party cannot check for a rollback: refused.
    const { state: _, ...unsigned } = status;
    expect(() => parseEnclaveResponse(overTheWire(unsigned))).toThrow(ProtocolError);
  });
});

describe('signed requests', () => {
  it('verifies a fresh request once and refuses its replay, an old one, and another signer', async () => {
    const request = signRequest({ type: 'status', sessionId }, 'alice', alice().signing.privateKey, AT);
    const nonces = new RequestNonceCache();
    const parsed = parsePartyRequest(overTheWire(request));
    if (parsed.type !== 'status') throw new Error('unexpected');
    verifyRequest(parsed, alice().signing.publicKey, { now: AT + 10, nonces });
    expect(
      await codeOf(() => verifyRequest(parsed, alice().signing.publicKey, { now: AT + 20, nonces })),
    ).toBe('REQUEST_REPLAYED');
    expect(await codeOf(() => verifyRequest(parsed, alice().signing.publicKey, { now: AT + 300_001 }))).toBe(
      'REQUEST_CLOCK_SKEW',
    );
    const mallory = generateSigningKeyPair('ES256');
    expect(await codeOf(() => verifyRequest(parsed, mallory.publicKey, { now: AT }))).toBe(
      'SIGNATURE_INVALID',
    );
    const retargeted = { ...parsed, sessionId: new Uint8Array(32) };
    expect(await codeOf(() => verifyRequest(retargeted, alice().signing.publicKey, { now: AT }))).toBe(
      'SIGNATURE_INVALID',
    );
  });
});
