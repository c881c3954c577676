/**
 * Attestation documents verified per second: ours cold (no cache: 5 P-384 verifications a document), ours warm
 * (cache: 1 verification), and @0xsequence/tee-verifier on the same real documents in the same run. The raw
 * P-384 verify rate of node:crypto is printed as the ceiling.
 */
import { generateKeyPairSync, sign, verify, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SignedAttestation } from '@0xsequence/tee-verifier';
import * as pkijs from 'pkijs';
import {
  AWS_NITRO_ROOT_G1_SHA256,
  CertificateCache,
  verifyAttestationDocument,
  verifyAttestationDocumentSync,
} from '../../attestation/index.js';
import { emit, measureRate, median, round } from './measure.js';

// The peer expects a browser: `window.crypto`, and pkijs's engine set to WebCrypto.
(globalThis as { window?: unknown }).window = globalThis;
pkijs.setEngine(
  'node',
  new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as pkijs.ICryptoEngine['crypto'] }),
);

const vectorsDir = resolve(import.meta.dirname, '../../../shared/vectors/attestation');
const index = JSON.parse(readFileSync(join(vectorsDir, 'index.json'), 'utf8')) as {
  file: string;
  expect: string;
  timestamp_ms: number;
}[];
const docs = index
  .filter((v) => v.expect.startsWith('valid'))
  .map((v) => {
    const bytes = new Uint8Array(readFileSync(join(vectorsDir, v.file)));
    return { file: v.file, bytes, base64: Buffer.from(bytes).toString('base64'), at: v.timestamp_ms };
  });
if (docs.length === 0) throw new Error(`no valid documents in ${vectorsDir}`);

function pick(i: number) {
  return docs[i % docs.length] as (typeof docs)[number];
}

/** The public API: signatures verified in parallel on libuv's thread pool. */
function ours(cache: CertificateCache | false) {
  return (i: number) => {
    const doc = pick(i);
    return verifyAttestationDocument(doc.bytes, { at: doc.at, allowDebug: true, cache });
  };
}

/** The synchronous form: every signature in turn on one thread (bounded by the P-384 rate / 5 when cold). */
function oursOneThread(i: number) {
  const doc = pick(i);
  verifyAttestationDocumentSync(doc.bytes, { at: doc.at, allowDebug: true, cache: false });
}

async function peer(i: number): Promise<void> {
  const doc = pick(i);
  const attestation = SignedAttestation.fromDocument(doc.base64);
  const ok =
    (await attestation.verifySignature()) &&
    (await attestation.verifyRootOfTrust(new Date(doc.at))) &&
    (await attestation.rootCertFingerprint()) === AWS_NITRO_ROOT_G1_SHA256;
  if (!ok) throw new Error(`the peer rejected ${doc.file}`);
}

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const message = Buffer.alloc(512, 7);
const signature = sign('sha384', message, privateKey);
function p384() {
  if (!verify('sha384', message, publicKey, signature)) throw new Error('P-384 verify failed');
}

// Every candidate must accept every document before anything is timed.
for (let i = 0; i < docs.length; i++) {
  await ours(false)(i);
  oursOneThread(i);
  await peer(i);
}

const warmCache = new CertificateCache();
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
const samples = {
  cold: [] as number[],
  coldOneThread: [] as number[],
  warm: [] as number[],
  peer: [] as number[],
  p384: [] as number[],
};
for (let r = 0; r < rounds; r++) {
  // Interleaved rounds so that machine noise falls on every candidate alike.
  const cold = await measureRate(ours(false));
  const coldOneThread = await measureRate(oursOneThread);
  const warm = await measureRate(ours(warmCache));
  const theirs = await measureRate(peer);
  const ceiling = await measureRate(p384);
  samples.cold.push(cold.perSec);
  samples.coldOneThread.push(coldOneThread.perSec);
  samples.warm.push(warm.perSec);
  samples.peer.push(theirs.perSec);
  samples.p384.push(ceiling.perSec);
  emit({
    bench: 'attestation',
    round: r + 1,
    cold: round(cold.perSec),
    coldOneThread: round(coldOneThread.perSec),
    warm: round(warm.perSec),
    peer: round(theirs.perSec),
    p384: round(ceiling.perSec),
  });
}

const cold = median(samples.cold);
const warm = median(samples.warm);
const peerRate = median(samples.peer);
const coldOneThread = median(samples.coldOneThread);
emit({
  bench: 'attestation',
  note: 'cold and warm use the async API (signatures on the thread pool); coldOneThread is the sync API',
  coldOneThread: round(coldOneThread),
  coldOneThreadRatio: round(coldOneThread / peerRate, 2),
});
emit({
  bench: 'attestation',
  docsPerSec: { cold: round(cold), warm: round(warm), peer: round(peerRate) },
  ratio: { cold: round(cold / peerRate, 2), warm: round(warm / peerRate, 2) },
  p384VerifiesPerSec: round(median(samples.p384)),
});
