import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DestructionCertificate,
  decodeReceipt,
  encodeReceipt,
  encodeSessionBinding,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type HpkeKeyPair,
  type Manifest,
  openResult,
  type ResultReceipt,
  type SigningKeyPair,
  sealResult,
  sessionIdOf,
  signDestructionCertificate,
  signResultReceipt,
  verifyReceipt,
} from '../../protocol/index.js';
import { type NitroLikeChain, nitroLikeChain, productionPcrs, signTestDocument } from '../helpers/pki.js';
import { AT, codeOf, makeManifest, makeParties, type TestParty } from './fixtures.js';

let chain: NitroLikeChain;
let parties: TestParty[];
let manifest: Manifest;
let sessionId: Uint8Array;
let sessionKey: HpkeKeyPair;
let enclaveKey: SigningKeyPair;
let attestation: Uint8Array;
let receipt: ResultReceipt;
let certificate: DestructionCertificate;

const commitments = [
  { inputName: 'salaries-a', partyId: 'alice', round: 1, commitment: new Uint8Array(32).fill(1) },
  { inputName: 'salaries-b', partyId: 'bob', round: 1, commitment: new Uint8Array(32).fill(2) },
];
const result = new TextEncoder().encode('{"mean":57000}');

function party(i: number): TestParty {
  const p = parties[i];
  if (p === undefined) throw new Error('no such party');
  return p;
}

beforeAll(async () => {
  chain = await nitroLikeChain(AT);
  parties = await makeParties();
  manifest = makeManifest(parties);
  sessionId = sessionIdOf(manifest);
  sessionKey = await generateHpkeKeyPair();
  enclaveKey = generateSigningKeyPair('Ed25519');
  const userData = encodeSessionBinding({
    sessionId,
    hpkePublicKey: sessionKey.publicKey,
    signingKey: enclaveKey.publicKey,
  });
  attestation = signTestDocument({ chain, timestamp: AT, userData });
  const binding = { sessionId, round: 1, recipient: 'alice', view: 'full' as const };
  receipt = signResultReceipt(
    {
      ...binding,
      result: await sealResult(binding, result, party(0).hpke.publicKey),
      inputCommitments: commitments,
      issuedAt: AT + 1000,
    },
    enclaveKey.privateKey,
    attestation,
  );
  certificate = signDestructionCertificate(
    {
      sessionId,
      destroyed: commitments,
      destroyedAt: AT + 2000,
      method: 'zeroized-and-key-discarded',
      reason: 'completed',
    },
    enclaveKey.privateKey,
    attestation,
  );
});

const policy = () => ({ manifest, roots: [chain.root.der] });

describe('receipts', () => {
  it('verifies a result receipt offline and the recipient opens the result', async () => {
    const summary = await verifyReceipt(encodeReceipt(receipt), policy());
    expect(summary).toMatchObject({
      kind: 'result',
      recipient: 'alice',
      round: 1,
      view: 'full',
      delivery: 'encrypted',
    });
    expect(summary.sessionId).toBe(Buffer.from(sessionId).toString('hex'));
    expect(summary.enclaveSigningKey).toEqual(enclaveKey.publicKey);
    const decoded = decodeReceipt(encodeReceipt(receipt));
    if (decoded.body.kind !== 'result') throw new Error('unexpected');
    const payload = decoded.body.result;
    const binding = { sessionId, round: 1, recipient: 'alice', view: 'full' as const };
    expect(await openResult(binding, payload, party(0).hpke.privateKey)).toEqual(result);
    expect(await codeOf(() => openResult(binding, payload, party(1).hpke.privateKey))).toBe(
      'HPKE_OPEN_FAILED',
    );
    expect(await codeOf(() => openResult({ ...binding, round: 2 }, payload, party(0).hpke.privateKey))).toBe(
      'HPKE_OPEN_FAILED',
    );
  });

  it('verifies a destruction certificate, with or without the manifest', async () => {
    const summary = await verifyReceipt(certificate, policy());
    expect(summary).toMatchObject({
      kind: 'destruction',
      method: 'zeroized-and-key-discarded',
      reason: 'completed',
    });
    if (summary.kind !== 'destruction') throw new Error('unexpected');
    expect(summary.destroyed.map((d) => d.partyId)).toEqual(['alice', 'bob']);
    const bare = await verifyReceipt(certificate, { roots: [chain.root.der] });
    expect(bare.attestation.pcrs[0]).toBe(Buffer.from(productionPcrs().get(0) ?? []).toString('hex'));
  });

  it('refuses tampering with the body, the signature or the attestation', async () => {
    const body = { ...receipt.body, recipient: 'bob' };
    expect(await codeOf(() => verifyReceipt({ ...receipt, body }, policy()))).toBe('SIGNATURE_INVALID');
    const later = { ...certificate.body, destroyedAt: certificate.body.destroyedAt + 1 };
    expect(await codeOf(() => verifyReceipt({ ...certificate, body: later }, policy()))).toBe(
      'SIGNATURE_INVALID',
    );
    const signature = new Uint8Array(receipt.signature);
    signature[10] = (signature[10] ?? 0) ^ 1;
    expect(await codeOf(() => verifyReceipt({ ...receipt, signature }, policy()))).toBe('SIGNATURE_INVALID');
    const doc = new Uint8Array(receipt.attestation);
    doc[doc.length - 5] = (doc[doc.length - 5] ?? 0) ^ 1;
    expect(await codeOf(() => verifyReceipt({ ...receipt, attestation: doc }, policy()))).toMatch(
      /^ATTESTATION_/,
    );
    expect(await codeOf(() => verifyReceipt({ ...receipt, extra: 1 }, policy()))).toBe('RECEIPT_INVALID');
    expect(await codeOf(() => verifyReceipt(new Uint8Array([0xa0]), policy()))).toBe('RECEIPT_INVALID');
  });

  it('refuses a receipt signed by a key the attestation does not bind', async () => {
    const impostor = generateSigningKeyPair('Ed25519');
    const forged = signResultReceipt(
      { ...receipt.body, issuedAt: receipt.body.issuedAt },
      impostor.privateKey,
      attestation,
    );
    expect(await codeOf(() => verifyReceipt(forged, policy()))).toBe('SIGNATURE_INVALID');
  });

  it('refuses a receipt for another session, an attestation of another session, or wrong PCRs', async () => {
    const other = makeManifest(parties, { salt: 'cc'.repeat(16) });
    expect(await codeOf(() => verifyReceipt(receipt, { ...policy(), manifest: other }))).toBe(
      'RECEIPT_INVALID',
    );
    const otherDoc = signTestDocument({
      chain,
      timestamp: AT,
      userData: encodeSessionBinding({
        sessionId: sessionIdOf(other),
        hpkePublicKey: sessionKey.publicKey,
        signingKey: enclaveKey.publicKey,
      }),
    });
    expect(await codeOf(() => verifyReceipt({ ...receipt, attestation: otherDoc }, policy()))).toBe(
      'ATTESTATION_BINDING_INVALID',
    );
    const wrongPcrs = signTestDocument({
      chain,
      timestamp: AT,
      pcrs: productionPcrs(4),
      userData: encodeSessionBinding({
        sessionId,
        hpkePublicKey: sessionKey.publicKey,
        signingKey: enclaveKey.publicKey,
      }),
    });
    expect(await codeOf(() => verifyReceipt({ ...receipt, attestation: wrongPcrs }, policy()))).toBe(
      'ATTESTATION_PCR_MISMATCH',
    );
  });

  it('refuses a receipt that disagrees with the manifest (recipient, view, delivery, inputs)', async () => {
    const sign = (body: Partial<ResultReceipt['body']>) =>
      signResultReceipt({ ...receipt.body, ...body }, enclaveKey.privateKey, attestation);
    expect(await codeOf(() => verifyReceipt(sign({ recipient: 'mallory' }), policy()))).toBe(
      'RECEIPT_INVALID',
    );
    expect(await codeOf(() => verifyReceipt(sign({ view: { partial: 'secret' } }), policy()))).toBe(
      'RECEIPT_INVALID',
    );
    expect(
      await codeOf(() => verifyReceipt(sign({ result: { delivery: 'clear', value: result } }), policy())),
    ).toBe('RECEIPT_INVALID');
    expect(await codeOf(() => verifyReceipt(sign({ round: 3 }), policy()))).toBe('RECEIPT_INVALID');
    const stranger = [{ inputName: 'salaries-a', partyId: 'bob', round: 1, commitment: new Uint8Array(32) }];
    expect(await codeOf(() => verifyReceipt(sign({ inputCommitments: stranger }), policy()))).toBe(
      'RECEIPT_INVALID',
    );
    const carol = sign({
      recipient: 'carol',
      view: { partial: 'count-only' },
      result: { delivery: 'clear', value: result },
    });
    expect((await verifyReceipt(carol, policy())).kind).toBe('result');
  });
});
