/**
 * `npm run bench -- psi`: PSI cardinality, two parties with 2^20 items each, in simulator mode. End to end (seal
 * in chunks, send over a unix socket to the enclave process, decrypt, validate, evaluate, signed result) and the
 * evaluation alone; the peer is the naive `new Set` intersection in the same run. Targets: end to end under 2 s,
 * evaluation under 0.37 s (RR22 VOLE-PSI, single thread, same sizes).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { encodeCbor } from '../../common/cbor/index.js';
import { EnclaveConnection } from '../../parent/client/index.js';
import {
  encodeManifest,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  InputStreamSealer,
  parseManifest,
  signApproval,
  signRequest,
  verifySessionAttestation,
} from '../../protocol/index.js';
import { measurementOf, startEnclave } from '../../simulator/enclave-process.js';
import { emit, round } from './measure.js';
import { benchPsiEvaluation } from './psi-eval.js';

const ITEMS = 1 << 20;
const CHUNK_BYTES = 512 * 1024;

function items(first: number): string[] {
  return Array.from(
    { length: ITEMS },
    (_, i) => `user-${(first + i).toString(16).padStart(8, '0')}@example.org`,
  );
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return round(kib / 1024, 0);
}

async function endToEnd(): Promise<{ seconds: number; enclavePeakRssMiB: number; cardinality: number }> {
  const enclave = await startEnclave();
  try {
    const parties = await Promise.all(
      ['a', 'b'].map(async (id) => ({
        id,
        signing: generateSigningKeyPair('Ed25519'),
        hpke: await generateHpkeKeyPair(),
      })),
    );
    const now = Date.now();
    const manifest = parseManifest({
      version: 1,
      salt: randomBytes(16).toString('hex'),
      function: measurementOf('psi'),
      parameters: { itemKind: 'string', reveal: 'cardinality' },
      parties: parties.map((p) => ({
        id: p.id,
        displayName: p.id,
        signingKey: p.signing.publicKey,
        hpkePublicKey: p.hpke.publicKey,
      })),
      inputs: parties.map((p) => ({
        name: `set-${p.id}`,
        provider: p.id,
        schema: 'strings',
        maxBytes: 64 << 20,
        provide: 'once',
      })),
      recipients: parties.map((p) => ({ party: p.id, view: 'full', delivery: 'encrypted' })),
      threshold: 2,
      window: { opensAt: now - 60_000, closesAt: now + 3_600_000 },
      resubmission: 'reject',
      evaluation: { trigger: 'on-request', requesters: ['a'] },
      rounds: 1,
      enclave: { pcrs: enclave.pcrs },
    });
    const sets = { a: items(0), b: items(ITEMS / 2) };
    const connections = await Promise.all(parties.map(() => EnclaveConnection.open(enclave.address)));
    const [first] = connections;
    if (!first) throw new Error('no connection');
    const created = await first.send({ type: 'create-session', manifest: encodeManifest(manifest) });
    if (created.type !== 'session-created') throw new Error(JSON.stringify(created));
    const sessionId = created.sessionId;
    for (const p of parties)
      await first.send({ type: 'approve', approval: signApproval(manifest, p.id, p.signing.privateKey) });
    const nonce = new Uint8Array(randomBytes(32));
    const attested = await first.send({ type: 'attest', sessionId, nonce });
    if (attested.type !== 'attestation') throw new Error(JSON.stringify(attested));
    const { hpkePublicKey } = await verifySessionAttestation(attested.document, {
      manifest,
      nonce,
      roots: [enclave.root],
    });

    // Timed from here: each party encodes, seals and streams its set; then evaluation and the signed result.
    const start = performance.now();
    await Promise.all(
      parties.map(async (p, k) => {
        const connection = connections[k] as EnclaveConnection;
        const binding = { sessionId, inputName: `set-${p.id}`, partyId: p.id, round: 1 };
        const sealer = await InputStreamSealer.start({
          ...binding,
          recipientPublicKey: hpkePublicKey,
          senderSigningKey: p.signing.privateKey,
        });
        await connection.send({ type: 'submit-input-stream', sessionId, header: sealer.header });
        const plaintext = encodeCbor(sets[p.id as 'a' | 'b']);
        let last = '';
        for (let offset = 0; offset < plaintext.length; offset += CHUNK_BYTES) {
          const chunk = await sealer.sealChunk(
            plaintext.subarray(offset, offset + CHUNK_BYTES),
            offset + CHUNK_BYTES >= plaintext.length,
          );
          last = (await connection.send({ type: 'submit-input-chunk', ...binding, chunk })).type;
        }
        if (last !== 'input-accepted') throw new Error(`party ${p.id}: ${last}`);
      }),
    );
    const a = parties[0] as (typeof parties)[number];
    await first.send(signRequest({ type: 'evaluate', sessionId, round: 1 }, a.id, a.signing.privateKey));
    const result = await first.send(
      signRequest({ type: 'get-result', sessionId, round: 1 }, a.id, a.signing.privateKey),
    );
    const seconds = (performance.now() - start) / 1000;
    if (result.type !== 'result') throw new Error(JSON.stringify(result));
    const { openResult } = await import('../../protocol/index.js');
    const { decodeStrictCbor } = await import('../../common/cbor/index.js');
    const opened = decodeStrictCbor(
      await openResult(
        { sessionId, round: 1, recipient: a.id, view: 'full' },
        result.receipt.body.result,
        a.hpke.privateKey,
      ),
    ) as Map<string, number>;
    for (const c of connections) c.close();
    return {
      seconds,
      enclavePeakRssMiB: peakRssMiB(enclave.pid),
      cardinality: opened.get('cardinality') ?? -1,
    };
  } finally {
    await enclave.stop();
  }
}

const e2e = await endToEnd();
if (e2e.cardinality !== ITEMS / 2) throw new Error(`wrong cardinality ${e2e.cardinality}`);
emit({
  bench: 'psi',
  part: 'end-to-end',
  itemsPerParty: ITEMS,
  seconds: round(e2e.seconds, 3),
  enclavePeakRssMiB: e2e.enclavePeakRssMiB,
});
const evaluation = await benchPsiEvaluation();
emit({ bench: 'psi', part: 'evaluation', ...evaluation });
emit({
  bench: 'psi',
  itemsPerParty: ITEMS,
  endToEndSeconds: round(e2e.seconds, 3),
  enclavePeakRssMiB: e2e.enclavePeakRssMiB,
  evaluationSeconds: evaluation.evaluationSeconds,
  naiveSetSeconds: evaluation.naiveSetSeconds,
  ratio: { evaluationVsNaive: evaluation.ratioVsNaive },
  targets: { endToEndSeconds: 2, evaluationSeconds: 0.37 },
});
