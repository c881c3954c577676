/**
 * The same protocol code with libsodium doing the curve operations and without it (node:crypto): two module
 * instances in one test file, so envelopes cross between them in both directions.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';

type Protocol = typeof import('../../protocol/index.js');
type SodiumModule = typeof import('../../common/sodium.js');

async function loadWith(setting: 'on' | 'off'): Promise<{ protocol: Protocol; sodium: SodiumModule }> {
  vi.resetModules();
  const previous = process.env['NITRO_MPC_SODIUM'];
  process.env['NITRO_MPC_SODIUM'] = setting;
  try {
    const sodium = await import('../../common/sodium.js');
    sodium.curveBackend(); // loads (or not) while the setting holds
    return { protocol: await import('../../protocol/index.js'), sodium };
  } finally {
    if (previous === undefined) delete process.env['NITRO_MPC_SODIUM'];
    else process.env['NITRO_MPC_SODIUM'] = previous;
  }
}

let withSodium: Awaited<ReturnType<typeof loadWith>>;
let withNode: Awaited<ReturnType<typeof loadWith>>;

beforeAll(async () => {
  withSodium = await loadWith('on');
  withNode = await loadWith('off');
});

const binding = { sessionId: new Uint8Array(32).fill(7), inputName: 'x', partyId: 'alice', round: 1 };

describe('curve operations with and without libsodium', () => {
  it('loads libsodium unless turned off', () => {
    expect(withSodium.sodium.curveBackend()).toBe('libsodium');
    expect(withNode.sodium.curveBackend()).toBe('node:crypto');
  });

  for (const [sealer, opener] of [
    ['node:crypto', 'libsodium'],
    ['libsodium', 'node:crypto'],
  ] as const) {
    it(`an envelope sealed with ${sealer} opens with ${opener}, and a wrong key fails the same way`, async () => {
      const seal = (sealer === 'libsodium' ? withSodium : withNode).protocol;
      const open = (opener === 'libsodium' ? withSodium : withNode).protocol;
      const recipient = await open.generateHpkeKeyPair();
      const stranger = await open.generateHpkeKeyPair();
      const party = seal.generateSigningKeyPair('Ed25519');
      const envelope = await seal.sealInput({
        ...binding,
        plaintext: encodeCbor([1, 2, 3]),
        recipientPublicKey: recipient.publicKey,
        senderSigningKey: party.privateKey,
      });
      const opened = await open.openInput(envelope, recipient.privateKey, binding, party.publicKey);
      expect(Buffer.from(opened.plaintext).equals(Buffer.from(encodeCbor([1, 2, 3])))).toBe(true);
      await expect(
        open.openInput(envelope, stranger.privateKey, binding, party.publicKey),
      ).rejects.toMatchObject({
        code: 'HPKE_OPEN_FAILED',
      });
      const forged = { ...envelope, signature: new Uint8Array(envelope.signature).fill(1, 0, 8) };
      await expect(
        open.openInput(forged, recipient.privateKey, binding, party.publicKey),
      ).rejects.toMatchObject({
        code: 'SIGNATURE_INVALID',
      });
    });
  }

  it('refuses a small-order enc (all-zero shared secret) with both', async () => {
    for (const { protocol } of [withSodium, withNode]) {
      const recipient = await protocol.generateHpkeKeyPair();
      const party = protocol.generateSigningKeyPair('Ed25519');
      const honest = await protocol.sealInput({
        ...binding,
        plaintext: encodeCbor(1),
        recipientPublicKey: recipient.publicKey,
        senderSigningKey: party.privateKey,
      });
      // u = 0 is a point of small order: X25519 with it gives all zeros, which RFC 9180 says to refuse.
      const { signature: _signature, ...body } = { ...honest, enc: new Uint8Array(32) };
      const signed = {
        ...body,
        signature: protocol.signProtocolValue(protocol.CONTEXTS.inputEnvelope, body, party.privateKey),
      };
      await expect(
        protocol.openInput(signed, recipient.privateKey, binding, party.publicKey),
      ).rejects.toMatchObject({ code: 'HPKE_OPEN_FAILED' });
    }
  });

  it('zeroes the raw private key it kept for libsodium when the key is forgotten', async () => {
    const { protocol } = withSodium;
    const recipient = await protocol.generateHpkeKeyPair();
    const keys = protocol.recipientKeysOf(recipient.privateKey);
    const raw = keys.privateRaw;
    expect(raw).toHaveLength(32);
    expect(raw?.some((b) => b !== 0)).toBe(true);
    protocol.forgetRecipientKeys(recipient.privateKey);
    expect(raw?.every((b) => b === 0)).toBe(true);
    // Asked again, the pair is derived afresh (the key itself is the holder's to drop).
    expect(protocol.recipientKeysOf(recipient.privateKey).privateRaw?.some((b) => b !== 0)).toBe(true);
    expect(withNode.protocol.recipientKeysOf(recipient.privateKey).privateRaw).toBeUndefined();
  });
});
