/**
 * HPKE open throughput: the same sealed envelopes (X25519, HKDF-SHA256, AES-256-GCM and ChaCha20Poly1305, 64-byte
 * plaintexts, a 120-byte info like an input binding) opened by @hpke/core's stock suite, by @hpke/core over the
 * node:crypto primitives (`cipherSuiteFor`, what streams and results use), and by the single-shot open envelopes
 * use (`openSingleShot`). All in this process, alternating, reported as opens/s and ratios.
 * Also `openInput` end to end (schema, signature, binding, open, commitment) as the enclave runs it per input,
 * for a signed envelope and for an HPKE auth-mode one (`authVsSigned`).
 */
import { randomBytes } from 'node:crypto';
import type { CipherSuite } from '@hpke/core';
import { openSingleShot } from '../../protocol/hpke/single-shot-open.js';
import {
  authSenderOf,
  cipherSuiteFor,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type HpkeAead,
  inputOpeningKeysOf,
  openInput,
  openInputWithKeys,
  rawHpkePublicKey,
  recipientKeyPairOf,
  recipientKeysOf,
  sealInput,
  stockCipherSuiteFor,
  suiteIdsOf,
} from '../../protocol/index.js';
import { emit, measureRate, median, round } from './measure.js';

const ENVELOPES = 256;
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const recipient = await generateHpkeKeyPair();
const info = new Uint8Array(randomBytes(120));

async function sealed(suite: CipherSuite): Promise<{ enc: ArrayBuffer; ct: ArrayBuffer }[]> {
  const publicKey = await suite.kem.deserializePublicKey(Buffer.from(recipient.publicKey.key, 'base64'));
  return await Promise.all(
    Array.from({ length: ENVELOPES }, async () => {
      const sender = await suite.createSenderContext({ recipientPublicKey: publicKey, info });
      return { enc: sender.enc, ct: await sender.seal(randomBytes(64)) };
    }),
  );
}

async function openRate(
  suite: CipherSuite,
  envelopes: { enc: ArrayBuffer; ct: ArrayBuffer }[],
  fast: boolean,
) {
  const recipientKey = fast ? recipientKeyPairOf(recipient.privateKey) : recipient.privateKey;
  return await measureRate(async (i) => {
    const envelope = envelopes[i % envelopes.length];
    if (envelope === undefined) throw new Error('no envelope');
    const context = await suite.createRecipientContext({ recipientKey, enc: envelope.enc, info });
    await context.open(envelope.ct);
  });
}

async function singleShotRate(aead: HpkeAead, envelopes: { enc: ArrayBuffer; ct: ArrayBuffer }[]) {
  const ids = suiteIdsOf(aead);
  const keys = recipientKeysOf(recipient.privateKey);
  const none = new Uint8Array(0);
  return await measureRate(async (i) => {
    const envelope = envelopes[i % envelopes.length];
    if (envelope === undefined) throw new Error('no envelope');
    openSingleShot(ids, keys, new Uint8Array(envelope.enc), info, none, new Uint8Array(envelope.ct));
  });
}

const summary: Record<string, unknown> = { bench: 'hpke', rounds: ROUNDS };
for (const aead of ['AES-256-GCM', 'ChaCha20Poly1305'] as HpkeAead[]) {
  const ids = suiteIdsOf(aead);
  const stock = stockCipherSuiteFor(ids);
  const fast = cipherSuiteFor(ids);
  const envelopes = await sealed(stock); // sealed by the stock suite: the fast one opens what others send
  const stockRates: number[] = [];
  const fastRates: number[] = [];
  const singleShotRates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    stockRates.push((await openRate(stock, envelopes, false)).perSec);
    fastRates.push((await openRate(fast, envelopes, true)).perSec);
    singleShotRates.push((await singleShotRate(aead, envelopes)).perSec);
  }
  const result = {
    aead,
    stockOpensPerSec: round(median(stockRates)),
    fastOpensPerSec: round(median(fastRates)),
    ratio: round(median(fastRates) / median(stockRates), 2),
    singleShotOpensPerSec: round(median(singleShotRates)),
    singleShotVsFast: round(median(singleShotRates) / median(fastRates), 2),
  };
  emit({ run: 'open', ...result });
  summary[aead] = result;
}

// openInput end to end: what the enclave spends per submitted input besides transport and sessions. A signed
// envelope, and its peer an HPKE auth-mode one with the party's static DH done beforehand (as a session does).
const signing = generateSigningKeyPair('Ed25519');
const partyHpke = await generateHpkeKeyPair();
const binding = { sessionId: new Uint8Array(32).fill(7), inputName: 'x', partyId: 'p1', round: 1 };
const sealing = { ...binding, plaintext: randomBytes(64), recipientPublicKey: recipient.publicKey };
const signedEnvelope = await sealInput({ ...sealing, senderSigningKey: signing.privateKey });
const authEnvelope = await sealInput({ ...sealing, senderHpkeKey: partyHpke.privateKey });
const authKeys = inputOpeningKeysOf(
  recipient.privateKey,
  signing.publicKey,
  authSenderOf(recipientKeysOf(recipient.privateKey), rawHpkePublicKey(partyHpke.publicKey)),
);
const inputRates: number[] = [];
const authRates: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  inputRates.push(
    (await measureRate(() => openInput(signedEnvelope, recipient.privateKey, binding, signing.publicKey)))
      .perSec,
  );
  authRates.push((await measureRate(() => openInputWithKeys(authEnvelope, authKeys, binding))).perSec);
}
summary['openInputPerSec'] = round(median(inputRates));
summary['openInputUsPerInput'] = round(1e6 / median(inputRates));
summary['openInputAuthPerSec'] = round(median(authRates));
summary['openInputAuthUsPerInput'] = round(1e6 / median(authRates));
summary['authVsSigned'] = round(median(authRates) / median(inputRates), 2);
emit(summary);
