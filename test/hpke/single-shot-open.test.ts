import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuthSender, authSenderOf, openSingleShot } from '../../protocol/hpke/single-shot-open.js';
import {
  exportHpkePrivateKey,
  importHpkePrivateKey,
  recipientKeysOf,
  stockCipherSuiteFor,
  suiteIdsOf,
} from '../../protocol/index.js';
import { AEADS, useKeyPairs } from './key-pairs.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

/** RFC 9180 appendix A.2.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base mode, sequence 0. */
const A_2_1 = {
  skRm: '8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb',
  info: '4f6465206f6e2061204772656369616e2055726e',
  enc: '1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a',
  aad: '436f756e742d30',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  ct: '1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28',
};

/** RFC 9180 appendix A.2.3: the same suite in auth mode (the sender's static key pkSm), sequence 0. */
const A_2_3 = {
  skRm: '3ca22a6d1cda1bb9480949ec5329d3bf0b080ca4c45879c95eddb55c70b80b82',
  pkSm: 'f0f4f9e96c54aeed3f323de8534fffd7e0577e4ce269896716bcb95643c8712b',
  info: '4f6465206f6e2061204772656369616e2055726e',
  enc: 'f7674cc8cd7baa5872d1f33dbaffe3314239f6197ddf5ded1746760bfc847e0e',
  aad: '436f756e742d30',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  ct: 'ab1a13c9d4f01a87ec3440dbd756e2677bd2ecf9df0ce7ed73869b98e00c09be111cb9fdf077347aeb88e61bdf',
};

const keys = useKeyPairs();

describe('single-shot HPKE open', () => {
  it('opens RFC 9180 A.2.1 to the published plaintext', async () => {
    const { privateKey } = await importHpkePrivateKey(hex(A_2_1.skRm));
    const plaintext = openSingleShot(
      suiteIdsOf('ChaCha20Poly1305'),
      recipientKeysOf(privateKey),
      hex(A_2_1.enc),
      hex(A_2_1.info),
      hex(A_2_1.aad),
      hex(A_2_1.ct),
    );
    expect(Buffer.from(plaintext).toString('hex')).toBe(A_2_1.pt);
  });

  it('opens RFC 9180 A.2.3 (auth mode) to the published plaintext, with the static DH done now or beforehand', async () => {
    const { privateKey } = await importHpkePrivateKey(hex(A_2_3.skRm));
    const recipient = recipientKeysOf(privateKey);
    const open = (sender: AuthSender | undefined) =>
      openSingleShot(
        suiteIdsOf('ChaCha20Poly1305'),
        recipient,
        hex(A_2_3.enc),
        hex(A_2_3.info),
        hex(A_2_3.aad),
        hex(A_2_3.ct),
        sender,
      );
    const pt = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(pt(open({ publicRaw: hex(A_2_3.pkSm) }))).toBe(A_2_3.pt);
    expect(pt(open(authSenderOf(recipient, hex(A_2_3.pkSm))))).toBe(A_2_3.pt);
    // Auth-mode ciphertext does not open in base mode, nor with another sender's key.
    expect(() => open(undefined)).toThrow();
    expect(() => open({ publicRaw: hex(A_2_1.enc) })).toThrow();
  });

  const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

  for (const aead of AEADS) {
    const ids = suiteIdsOf(aead);
    const stock = stockCipherSuiteFor(ids);
    const sealWithStock = async (plaintext: Uint8Array, info: Uint8Array, aad: Uint8Array) => {
      const sender = await stock.createSenderContext({
        recipientPublicKey: await stock.kem.deserializePublicKey(
          Buffer.from(keys.recipient.publicKey.key, 'base64'),
        ),
        info,
      });
      return { enc: new Uint8Array(sender.enc), ct: new Uint8Array(await sender.seal(plaintext, aad)) };
    };

    it(`${aead}: opens what @hpke/core seals, to the same plaintext`, async () => {
      await fc.assert(
        fc.asyncProperty(bytes(2048), bytes(256), bytes(64), async (plaintext, info, aad) => {
          const { enc, ct } = await sealWithStock(plaintext, info, aad);
          const opened = openSingleShot(ids, recipientKeysOf(keys.recipient.privateKey), enc, info, aad, ct);
          expect(new Uint8Array(opened)).toEqual(plaintext);
        }),
        { numRuns: 25 },
      );
    });

    it(`${aead}: opens what @hpke/core seals in auth mode, and only with that sender's key`, async () => {
      const sender = keys.other;
      const senderRaw = new Uint8Array(Buffer.from(sender.publicKey.key, 'base64'));
      const recipient = recipientKeysOf(keys.recipient.privateKey);
      const precomputed = authSenderOf(recipient, senderRaw);
      await fc.assert(
        fc.asyncProperty(bytes(1024), bytes(128), bytes(32), async (plaintext, info, aad) => {
          const context = await stock.createSenderContext({
            recipientPublicKey: await stock.kem.deserializePublicKey(
              Buffer.from(keys.recipient.publicKey.key, 'base64'),
            ),
            senderKey: await stock.kem.importKey('raw', await exportHpkePrivateKey(sender.privateKey), false),
            info,
          });
          const enc = new Uint8Array(context.enc);
          const ct = new Uint8Array(await context.seal(plaintext, aad));
          for (const from of [{ publicRaw: senderRaw }, precomputed]) {
            expect(new Uint8Array(openSingleShot(ids, recipient, enc, info, aad, ct, from))).toEqual(
              plaintext,
            );
          }
          const stranger = new Uint8Array(Buffer.from(keys.recipient.publicKey.key, 'base64'));
          expect(() => openSingleShot(ids, recipient, enc, info, aad, ct, { publicRaw: stranger })).toThrow();
          expect(() => openSingleShot(ids, recipient, enc, info, aad, ct)).toThrow();
        }),
        { numRuns: 15 },
      );
    });

    it(`${aead}: refuses another key, and any altered ciphertext, enc, info or aad`, async () => {
      await fc.assert(
        fc.asyncProperty(bytes(512), bytes(64), bytes(16), fc.nat(), async (plaintext, info, aad, at) => {
          const { enc, ct } = await sealWithStock(plaintext, info, aad);
          const flip = (b: Uint8Array) => {
            const copy = b.slice();
            copy[at % copy.length] = (copy[at % copy.length] ?? 0) ^ 0x01;
            return copy;
          };
          const mine = recipientKeysOf(keys.recipient.privateKey);
          const attempts = [
            () => openSingleShot(ids, recipientKeysOf(keys.other.privateKey), enc, info, aad, ct),
            () => openSingleShot(ids, mine, enc, info, aad, flip(ct)),
            () => openSingleShot(ids, mine, flip(enc), info, aad, ct),
            () => openSingleShot(ids, mine, enc, Uint8Array.of(...info, 0), aad, ct),
            () => openSingleShot(ids, mine, enc, info, Uint8Array.of(...aad, 0), ct),
          ];
          for (const attempt of attempts) expect(attempt).toThrow();
          // And the unaltered one still opens: the failures above are the alterations'.
          expect(new Uint8Array(openSingleShot(ids, mine, enc, info, aad, ct))).toEqual(plaintext);
        }),
        { numRuns: 20 },
      );
    });
  }

  it('refuses a small-order enc at the DH (an all-zero X25519 result), and a ciphertext shorter than its tag', () => {
    const ids = suiteIdsOf('AES-256-GCM');
    const mine = recipientKeysOf(keys.recipient.privateKey);
    const none = new Uint8Array(0);
    const smallOrder = () => openSingleShot(ids, mine, new Uint8Array(32), none, none, new Uint8Array(32));
    expect(smallOrder).toThrow();
    // Refused by the X25519 step itself, not later by the AEAD tag.
    expect(smallOrder).not.toThrow(/authenticate/);
    expect(() => openSingleShot(ids, mine, hex(A_2_1.enc), none, none, new Uint8Array(15))).toThrow(
      RangeError,
    );
  });
});
