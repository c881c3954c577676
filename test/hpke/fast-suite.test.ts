import { Aes128Gcm, CipherSuite, OpenError } from '@hpke/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeHkdfSha256 } from '../../protocol/hpke/node-kdf.js';
import { NodeDhkemX25519HkdfSha256 } from '../../protocol/hpke/node-x25519.js';
import {
  cipherSuiteFor,
  generateSigningKeyPair,
  type HpkeKeyPair,
  openInput,
  recipientKeyPairOf,
  sealInput,
  stockCipherSuiteFor,
  suiteIdsOf,
} from '../../protocol/index.js';
import { codeOf } from '../protocol/fixtures.js';
import { AEADS, useKeyPairs } from './key-pairs.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: ArrayBuffer | Uint8Array) =>
  Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

/** RFC 9180 appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode, first encryption. */
const A_1_1 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
  ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  enc: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  aad: '436f756e742d30',
  ct: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
};

const keys = useKeyPairs();

async function publicKeyOf(suite: CipherSuite, pair: HpkeKeyPair) {
  return await suite.kem.deserializePublicKey(Buffer.from(pair.publicKey.key, 'base64'));
}

describe('node:crypto HPKE suite against RFC 9180', () => {
  // The fast KEM and KDF under @hpke/core's key schedule; the RFC has no X25519 vectors for AES-256-GCM, so the
  // vector runs with the stock AES-128-GCM (the AEAD swap is covered by the interop properties below).
  const suite = new CipherSuite({
    kem: new NodeDhkemX25519HkdfSha256(),
    kdf: new NodeHkdfSha256(),
    aead: new Aes128Gcm(),
  });

  it('seals A.1.1 to the published enc and ciphertext', async () => {
    const recipientPair = await suite.kem.deriveKeyPair(hex(A_1_1.ikmR));
    expect(toHex(await suite.kem.serializePublicKey(recipientPair.publicKey))).toBe(A_1_1.pkRm);
    const sender = await suite.createSenderContext({
      recipientPublicKey: recipientPair.publicKey,
      info: hex(A_1_1.info),
      ekm: hex(A_1_1.ikmE),
    });
    expect(toHex(sender.enc)).toBe(A_1_1.enc);
    expect(toHex(await sender.seal(hex(A_1_1.pt), hex(A_1_1.aad)))).toBe(A_1_1.ct);
  });

  it('opens A.1.1 with the private key alone and with the key pair', async () => {
    const recipientPair = await suite.kem.deriveKeyPair(hex(A_1_1.ikmR));
    for (const recipientKey of [recipientPair.privateKey, recipientKeyPairOf(recipientPair.privateKey)]) {
      const context = await suite.createRecipientContext({
        recipientKey,
        enc: hex(A_1_1.enc),
        info: hex(A_1_1.info),
      });
      expect(toHex(await context.open(hex(A_1_1.ct), hex(A_1_1.aad)))).toBe(A_1_1.pt);
    }
  });
});

describe('node:crypto HPKE suite interoperates with the stock @hpke/core suite', () => {
  const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max });

  for (const aead of AEADS) {
    const stock = stockCipherSuiteFor(suiteIdsOf(aead));
    const fast = cipherSuiteFor(suiteIdsOf(aead));

    it(`${aead}: stock-sealed opens with the fast path and fast-sealed opens with stock`, async () => {
      await fc.assert(
        fc.asyncProperty(bytes(2048), bytes(256), bytes(64), async (plaintext, info, aad) => {
          const a = await stock.createSenderContext({
            recipientPublicKey: await publicKeyOf(stock, keys.recipient),
            info,
          });
          const sealedByStock = await a.seal(plaintext, aad);
          const fastOpen = await fast.createRecipientContext({
            recipientKey: recipientKeyPairOf(keys.recipient.privateKey),
            enc: a.enc,
            info,
          });
          expect(new Uint8Array(await fastOpen.open(sealedByStock, aad))).toEqual(plaintext);

          const b = await fast.createSenderContext({
            recipientPublicKey: await publicKeyOf(fast, keys.recipient),
            info,
          });
          const sealedByFast = await b.seal(plaintext, aad);
          const stockOpen = await stock.createRecipientContext({
            recipientKey: keys.recipient.privateKey,
            enc: b.enc,
            info,
          });
          expect(new Uint8Array(await stockOpen.open(sealedByFast, aad))).toEqual(plaintext);
        }),
        { numRuns: 25 },
      );
    });

    it(`${aead}: wrong key, altered ciphertext, info or aad fail to open as with stock (OpenError)`, async () => {
      await fc.assert(
        fc.asyncProperty(bytes(512), bytes(64), fc.nat(), async (plaintext, info, at) => {
          const sender = await stock.createSenderContext({
            recipientPublicKey: await publicKeyOf(stock, keys.recipient),
            info,
          });
          const sealed = new Uint8Array(await sender.seal(plaintext));
          const altered = sealed.slice();
          altered[at % altered.length] = (altered[at % altered.length] ?? 0) ^ 0x01;
          const attempts = [
            { key: keys.other.privateKey, info, ct: sealed },
            { key: keys.recipient.privateKey, info, ct: altered },
            { key: keys.recipient.privateKey, info: Uint8Array.of(...info, 0), ct: sealed },
          ];
          for (const attempt of attempts) {
            for (const [suite, recipientKey] of [
              [fast, recipientKeyPairOf(attempt.key)],
              [stock, attempt.key],
            ] as const) {
              const context = await suite.createRecipientContext({
                recipientKey,
                enc: sender.enc,
                info: attempt.info,
              });
              await expect(context.open(attempt.ct)).rejects.toBeInstanceOf(OpenError);
            }
          }
          const context = await fast.createRecipientContext({
            recipientKey: recipientKeyPairOf(keys.recipient.privateKey),
            enc: sender.enc,
            info,
          });
          await expect(context.open(sealed, Uint8Array.of(1))).rejects.toBeInstanceOf(OpenError);
        }),
        { numRuns: 15 },
      );
    });
  }

  it('refuses a small-order enc (all-zero X25519 output) like the stock suite', async () => {
    const fast = cipherSuiteFor(suiteIdsOf('AES-256-GCM'));
    const stock = stockCipherSuiteFor(suiteIdsOf('AES-256-GCM'));
    const enc = new Uint8Array(32); // u = 0 is a small-order point
    await expect(
      fast.createRecipientContext({ recipientKey: recipientKeyPairOf(keys.recipient.privateKey), enc }),
    ).rejects.toThrow();
    await expect(
      stock.createRecipientContext({ recipientKey: keys.recipient.privateKey, enc }),
    ).rejects.toThrow();
  });
});

describe('openInput on the fast suite keeps its error codes', () => {
  const binding = { sessionId: new Uint8Array(32).fill(3), inputName: 'x', partyId: 'alice', round: 1 };

  it('an envelope sealed to another session key is HPKE_OPEN_FAILED; the right key opens it', async () => {
    const alice = generateSigningKeyPair('Ed25519');
    for (const aead of AEADS) {
      const envelope = await sealInput({
        ...binding,
        plaintext: Uint8Array.of(1, 2, 3),
        recipientPublicKey: keys.other.publicKey,
        senderSigningKey: alice.privateKey,
        aead,
      });
      expect(
        await codeOf(() => openInput(envelope, keys.recipient.privateKey, binding, alice.publicKey)),
      ).toBe('HPKE_OPEN_FAILED');
      const opened = await openInput(envelope, keys.other.privateKey, binding, alice.publicKey);
      expect([...opened.plaintext]).toEqual([1, 2, 3]);
    }
  });
});
