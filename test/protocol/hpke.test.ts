import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authSenderOf,
  exportHpkePrivateKey,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type HpkeAead,
  type HpkeKeyPair,
  type InputBinding,
  type InputChunk,
  InputStreamOpener,
  InputStreamSealer,
  importHpkePrivateKey,
  inputInfo,
  inputOpeningKeysOf,
  openInput,
  openInputWithKeys,
  openKmsInput,
  rawHpkePublicKey,
  recipientKeysOf,
  type SigningKeyPair,
  sealInput,
  sealKmsInput,
  stockCipherSuiteFor,
  verifyKmsInput,
} from '../../protocol/index.js';
import { codeOf } from './fixtures.js';

const sessionId = new Uint8Array(32).fill(7);
const binding: InputBinding = { sessionId, inputName: 'salaries', partyId: 'alice', round: 1 };
const plaintext = new TextEncoder().encode('[52000, 61000, 58000]');
let session: HpkeKeyPair;
let alice: SigningKeyPair;
let bob: SigningKeyPair;

beforeAll(async () => {
  session = await generateHpkeKeyPair();
  alice = generateSigningKeyPair('Ed25519');
  bob = generateSigningKeyPair('ES256');
});

/** Copies of `ciphertext` with one byte changed (xor 1..255, anywhere). */
function alteredCopies(ciphertext: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.nat(ciphertext.byteLength - 1), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
    const copy = new Uint8Array(ciphertext);
    copy[at] = (copy[at] ?? 0) ^ x;
    return copy;
  });
}

async function seal(aead: HpkeAead, signer = alice, bound: InputBinding = binding) {
  return sealInput({
    ...bound,
    plaintext,
    recipientPublicKey: session.publicKey,
    senderSigningKey: signer.privateKey,
    aead,
  });
}

describe('HPKE input envelopes', () => {
  for (const aead of ['AES-256-GCM', 'ChaCha20Poly1305'] as const) {
    it(`seals and opens with ${aead}`, async () => {
      const envelope = await seal(aead);
      const opened = await openInput(envelope, session.privateKey, binding, alice.publicKey);
      expect(Buffer.from(opened.plaintext).toString()).toBe('[52000, 61000, 58000]');
      expect(opened.commitment.byteLength).toBe(32);
    });
  }

  it('works with P-256 signers and keys restored from bytes', async () => {
    const envelope = await seal('AES-256-GCM', bob, { ...binding, partyId: 'bob' });
    const restored = await importHpkePrivateKey(await exportHpkePrivateKey(session.privateKey));
    expect(restored.publicKey).toEqual(session.publicKey);
    const opened = await openInput(
      envelope,
      restored.privateKey,
      { ...binding, partyId: 'bob' },
      bob.publicKey,
    );
    expect(opened.plaintext).toEqual(new Uint8Array(plaintext));
  });

  const replays: [string, Partial<InputBinding>][] = [
    ['session', { sessionId: new Uint8Array(32).fill(8) }],
    ['input', { inputName: 'other' }],
    ['party', { partyId: 'bob' }],
    ['round', { round: 2 }],
  ];
  for (const [what, change] of replays) {
    it(`refuses an envelope replayed into another ${what}`, async () => {
      const envelope = await seal('AES-256-GCM');
      expect(
        await codeOf(() =>
          openInput(envelope, session.privateKey, { ...binding, ...change }, alice.publicKey),
        ),
      ).toBe('BINDING_MISMATCH');
      // Rewriting the claim and re-signing (by a party that could) still does not open: the info differs.
      const rewritten = await seal('AES-256-GCM', alice, binding);
      const relabelled = { ...rewritten, ...change };
      const { signProtocolValue, CONTEXTS } = await import('../../protocol/index.js');
      const { signature: _s, ...body } = relabelled;
      const resigned = {
        ...relabelled,
        signature: signProtocolValue(CONTEXTS.inputEnvelope, body, alice.privateKey),
      };
      expect(
        await codeOf(() =>
          openInput(resigned, session.privateKey, { ...binding, ...change }, alice.publicKey),
        ),
      ).toBe('HPKE_OPEN_FAILED');
    });
  }

  it('refuses tampered ciphertext, a wrong key, a bad signature and a malformed envelope', async () => {
    const envelope = await seal('ChaCha20Poly1305');
    const flipped = new Uint8Array(envelope.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(
      await codeOf(() =>
        openInput({ ...envelope, ciphertext: flipped }, session.privateKey, binding, alice.publicKey),
      ),
    ).toBe('SIGNATURE_INVALID');
    const other = await generateHpkeKeyPair();
    expect(await codeOf(() => openInput(envelope, other.privateKey, binding, alice.publicKey))).toBe(
      'HPKE_OPEN_FAILED',
    );
    expect(await codeOf(() => openInput(envelope, session.privateKey, binding, bob.publicKey))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(
      await codeOf(() => openInput({ ...envelope, v: 2 }, session.privateKey, binding, alice.publicKey)),
    ).toBe('MESSAGE_INVALID');
    expect(
      await codeOf(() =>
        openInput(
          { ...envelope, suite: { kem: 16, kdf: 1, aead: 2 } },
          session.privateKey,
          binding,
          alice.publicKey,
        ),
      ),
    ).toBe('MESSAGE_INVALID');
  });

  it('refuses a tampered ciphertext that the sender re-signed (AEAD)', async () => {
    const { signProtocolValue, CONTEXTS } = await import('../../protocol/index.js');
    const envelope = await seal('AES-256-GCM');
    await fc.assert(
      fc.asyncProperty(alteredCopies(envelope.ciphertext), async (ciphertext) => {
        const { signature: _s, ...body } = { ...envelope, ciphertext };
        const resigned = {
          ...body,
          signature: signProtocolValue(CONTEXTS.inputEnvelope, body, alice.privateKey),
        };
        expect(await codeOf(() => openInput(resigned, session.privateKey, binding, alice.publicKey))).toBe(
          'HPKE_OPEN_FAILED',
        );
      }),
      { numRuns: 30 },
    );
  });
});

describe('HPKE auth-mode input envelopes', () => {
  let aliceHpke: HpkeKeyPair;
  let bobHpke: HpkeKeyPair;
  beforeAll(async () => {
    aliceHpke = await generateHpkeKeyPair();
    bobHpke = await generateHpkeKeyPair();
  });

  const sealAuth = (aead: HpkeAead, sender = aliceHpke) =>
    sealInput({
      ...binding,
      plaintext,
      recipientPublicKey: session.publicKey,
      senderHpkeKey: sender.privateKey,
      aead,
    });

  for (const aead of ['AES-256-GCM', 'ChaCha20Poly1305'] as const) {
    it(`seals without a signature and opens with the sender's HPKE key, with ${aead}`, async () => {
      const envelope = await sealAuth(aead);
      expect(envelope.auth).toBe('hpke');
      expect('signature' in envelope).toBe(false);
      const opened = await openInput(
        envelope,
        session.privateKey,
        binding,
        alice.publicKey,
        aliceHpke.publicKey,
      );
      expect(Buffer.from(opened.plaintext).toString()).toBe('[52000, 61000, 58000]');
    });
  }

  it("seals what @hpke/core's own suite opens in auth mode with the sender's public key (and not without it)", async () => {
    const envelope = await sealAuth('AES-256-GCM');
    const stock = stockCipherSuiteFor(envelope.suite);
    const recipientKey = await stock.kem.importKey(
      'raw',
      await exportHpkePrivateKey(session.privateKey),
      false,
    );
    const senderPublicKey = await stock.kem.deserializePublicKey(
      Buffer.from(aliceHpke.publicKey.key, 'base64'),
    );
    const info = inputInfo(binding, 'single');
    const opener = await stock.createRecipientContext({
      recipientKey,
      enc: envelope.enc,
      info,
      senderPublicKey,
    });
    expect(Buffer.from(await opener.open(envelope.ciphertext)).toString()).toBe('[52000, 61000, 58000]');
    const baseMode = await stock.createRecipientContext({ recipientKey, enc: envelope.enc, info });
    await expect(baseMode.open(envelope.ciphertext)).rejects.toThrow();
  });

  it('opens the same with the static DH done beforehand as without it', async () => {
    const envelope = await sealAuth('AES-256-GCM');
    const recipient = recipientKeysOf(session.privateKey);
    const sender = authSenderOf(recipient, rawHpkePublicKey(aliceHpke.publicKey));
    const keys = inputOpeningKeysOf(session.privateKey, alice.publicKey, sender);
    const opened = await openInputWithKeys(envelope, keys, binding);
    expect(Buffer.from(opened.plaintext).toString()).toBe('[52000, 61000, 58000]');
    // The opener leaves the holder's secret alone: it is used for every input of that party.
    expect(sender.staticSecret.some((b) => b !== 0)).toBe(true);
  });

  it("refuses another party's HPKE key, a sender without one, and an envelope whose signature was stripped", async () => {
    const envelope = await sealAuth('ChaCha20Poly1305', bobHpke);
    // Sealed by bob's key, claimed for alice: only alice's key is tried, and it does not open.
    expect(
      await codeOf(() =>
        openInput(envelope, session.privateKey, binding, alice.publicKey, aliceHpke.publicKey),
      ),
    ).toBe('HPKE_OPEN_FAILED');
    expect(await codeOf(() => openInput(envelope, session.privateKey, binding, alice.publicKey))).toBe(
      'SENDER_KEY_MISSING',
    );
    // A signed envelope relabelled as auth mode: base-mode ciphertext never opens in auth mode.
    const signed = await seal('AES-256-GCM');
    const { signature: _s, ...body } = signed;
    expect(
      await codeOf(() =>
        openInput(
          { ...body, auth: 'hpke' },
          session.privateKey,
          binding,
          alice.publicKey,
          aliceHpke.publicKey,
        ),
      ),
    ).toBe('HPKE_OPEN_FAILED');
    // And the other way: an auth-mode envelope cannot pass as a signed one without a valid signature.
    expect(
      await codeOf(() =>
        openInput(
          { ...envelope, auth: 'signature', signature: new Uint8Array(64) },
          session.privateKey,
          binding,
          alice.publicKey,
          aliceHpke.publicKey,
        ),
      ),
    ).toBe('SIGNATURE_INVALID');
    expect(
      await codeOf(() =>
        openInput(
          { ...envelope, signature: new Uint8Array(64) },
          session.privateKey,
          binding,
          alice.publicKey,
          aliceHpke.publicKey,
        ),
      ),
    ).toBe('MESSAGE_INVALID');
  });

  it('refuses a tampered ciphertext or a rebinding (AEAD and info)', async () => {
    const envelope = await sealAuth('AES-256-GCM');
    await fc.assert(
      fc.asyncProperty(alteredCopies(envelope.ciphertext), async (ciphertext) => {
        expect(
          await codeOf(() =>
            openInput(
              { ...envelope, ciphertext },
              session.privateKey,
              binding,
              alice.publicKey,
              aliceHpke.publicKey,
            ),
          ),
        ).toBe('HPKE_OPEN_FAILED');
      }),
      { numRuns: 20 },
    );
    const elsewhere = { ...binding, round: 2 };
    expect(
      await codeOf(() =>
        openInput(
          { ...envelope, round: 2 },
          session.privateKey,
          elsewhere,
          alice.publicKey,
          aliceHpke.publicKey,
        ),
      ),
    ).toBe('HPKE_OPEN_FAILED');
  });
});

describe('chunked input streams', () => {
  async function sealStream(parts: readonly Uint8Array[], aead: HpkeAead = 'AES-256-GCM') {
    const sealer = await InputStreamSealer.start({
      ...binding,
      recipientPublicKey: session.publicKey,
      senderSigningKey: alice.privateKey,
      aead,
    });
    const chunks: InputChunk[] = [];
    for (let i = 0; i < parts.length; i++) {
      chunks.push(await sealer.sealChunk(parts[i] ?? new Uint8Array(), i === parts.length - 1));
    }
    return { header: sealer.header, chunks };
  }

  async function openAll(header: unknown, chunks: readonly unknown[]) {
    const opener = await InputStreamOpener.start(header, session.privateKey, binding, alice.publicKey);
    const out: Uint8Array[] = [];
    for (const chunk of chunks) out.push(await opener.openChunk(chunk));
    return { data: Buffer.concat(out), summary: opener.finish() };
  }

  const parts = [randomBytes(1000), randomBytes(32), new Uint8Array(0), randomBytes(77)].map(
    (b) => new Uint8Array(b),
  );

  for (const aead of ['AES-256-GCM', 'ChaCha20Poly1305'] as const) {
    it(`seals and opens a stream in order with ${aead}`, async () => {
      const { header, chunks } = await sealStream(parts, aead);
      const { data, summary } = await openAll(header, chunks);
      expect(data.equals(Buffer.concat(parts))).toBe(true);
      expect(summary.chunks).toBe(4);
      expect(summary.totalBytes).toBe(1109);
      expect(summary.commitment.byteLength).toBe(32);
    });
  }

  it('refuses reordered, duplicated, truncated and extended streams', async () => {
    const { header, chunks } = await sealStream(parts);
    const [c0, c1, c2, c3] = chunks;
    if (!c0 || !c1 || !c2 || !c3) throw new Error('unexpected');
    expect(await codeOf(() => openAll(header, [c1, c0, c2, c3]))).toBe('CHUNK_SEQUENCE_INVALID');
    expect(await codeOf(() => openAll(header, [c0, c0, c1, c2, c3]))).toBe('CHUNK_SEQUENCE_INVALID');
    expect(await codeOf(() => openAll(header, [c0, c1, c2]))).toBe('CHUNK_SEQUENCE_INVALID');
    expect(await codeOf(() => openAll(header, [c0, c1, c2, c3, c3]))).toBe('CHUNK_SEQUENCE_INVALID');
    // Relabelling to dodge the index check does not help: the nonce and AAD are positional.
    expect(await codeOf(() => openAll(header, [c0, { ...c2, index: 1 }]))).toBe('HPKE_OPEN_FAILED');
    expect(await codeOf(() => openAll(header, [c0, c1, { ...c2, final: true }]))).toBe('HPKE_OPEN_FAILED');
  });

  it('opens chunks handed over at once in call order, and fails every one after a bad chunk', async () => {
    const { header, chunks } = await sealStream(parts);
    const [c0, c1, c2, c3] = chunks;
    if (!c0 || !c1 || !c2 || !c3) throw new Error('unexpected');
    const opener = await InputStreamOpener.start(header, session.privateKey, binding, alice.publicKey);
    const opened = await Promise.all(chunks.map((chunk) => opener.openChunk(chunk)));
    expect(Buffer.concat(opened).equals(Buffer.concat(parts))).toBe(true);
    expect(opener.finish().chunks).toBe(4);

    const poisoned = await InputStreamOpener.start(header, session.privateKey, binding, alice.publicKey);
    const tampered = { ...c1, ciphertext: c1.ciphertext.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    const results = await Promise.allSettled([c0, tampered, c2, c3].map((c) => poisoned.openChunk(c)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok'));
    expect(codes).toEqual(['ok', 'HPKE_OPEN_FAILED', 'CHUNK_SEQUENCE_INVALID', 'CHUNK_SEQUENCE_INVALID']);
  });

  it('refuses chunks from another stream, a header signed by another key or bound elsewhere', async () => {
    const first = await sealStream(parts);
    const second = await sealStream(parts);
    expect(await codeOf(() => openAll(first.header, second.chunks))).toBe('HPKE_OPEN_FAILED');
    expect(
      await codeOf(() => InputStreamOpener.start(first.header, session.privateKey, binding, bob.publicKey)),
    ).toBe('SIGNATURE_INVALID');
    expect(
      await codeOf(() =>
        InputStreamOpener.start(first.header, session.privateKey, { ...binding, round: 2 }, alice.publicKey),
      ),
    ).toBe('BINDING_MISMATCH');
  });

  it('refuses a chunk after the sealer finished', async () => {
    const sealer = await InputStreamSealer.start({
      ...binding,
      recipientPublicKey: session.publicKey,
      senderSigningKey: alice.privateKey,
    });
    await sealer.sealChunk(new Uint8Array(3), true);
    expect(await codeOf(() => sealer.sealChunk(new Uint8Array(3), false))).toBe('CHUNK_SEQUENCE_INVALID');
  });
});

describe('KMS-mode inputs', () => {
  it('seals under a data key, verifies the submission and opens it; refuses misuse', async () => {
    const dataKey = new Uint8Array(randomBytes(32));
    const input = sealKmsInput({
      ...binding,
      plaintext,
      dataKey,
      encryptedDataKey: new Uint8Array(randomBytes(184)),
      keyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      encryptionContext: { session: 'demo' },
      senderSigningKey: alice.privateKey,
    });
    const verified = verifyKmsInput(input, binding, alice.publicKey);
    expect(openKmsInput(verified, dataKey, binding)).toEqual(new Uint8Array(plaintext));
    expect(await codeOf(() => verifyKmsInput(input, binding, bob.publicKey))).toBe('SIGNATURE_INVALID');
    expect(await codeOf(() => verifyKmsInput(input, { ...binding, round: 2 }, alice.publicKey))).toBe(
      'BINDING_MISMATCH',
    );
    expect(await codeOf(() => openKmsInput(verified, new Uint8Array(32), binding))).toBe('HPKE_OPEN_FAILED');
    expect(await codeOf(() => openKmsInput(verified, dataKey, { ...binding, partyId: 'bob' }))).toBe(
      'HPKE_OPEN_FAILED',
    );
  });
});
