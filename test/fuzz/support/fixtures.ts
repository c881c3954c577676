/**
 * Real, valid protocol objects to seed the fuzz targets, made once per process by running a real session (the
 * session service with a simulated NSM): a manifest, approvals, signed requests, sealed inputs, a chunked
 * input, a result receipt and a destruction certificate, each as the CBOR bytes that cross the wire.
 */
import { encodeCbor } from '../../../common/cbor/index.js';
import {
  encodeManifest,
  encodeReceipt,
  generateHpkeKeyPair,
  type HpkeKeyPair,
  type InputBinding,
  type InputEnvelope,
  InputStreamSealer,
  type Manifest,
  type ResultReceipt,
  sealInput,
  signApproval,
  signRequest,
} from '../../../protocol/index.js';
import type { DestructionCertificate } from '../../../protocol/receipts/index.js';
import {
  codeOf,
  expectOk,
  makeWorld,
  meanManifest,
  openSession,
  type Party,
  signed,
  submit,
  T0,
  type World,
} from '../../enclave/support.js';

export interface ProtocolFixtures {
  readonly world: World;
  readonly manifest: Manifest;
  readonly manifestBytes: Uint8Array;
  /** The clock the signed requests were made at. */
  readonly now: number;
  /** `approve` requests for each party, as CBOR. */
  readonly approveRequests: readonly Uint8Array[];
  /** Signed status, evaluate, get-result and destroy requests, as CBOR. */
  readonly signedRequests: readonly Uint8Array[];
  /** A recipient HPKE key the fuzz targets open with (they play the enclave), and what inputs are bound to. */
  readonly recipient: HpkeKeyPair;
  readonly binding: InputBinding;
  readonly sender: Party;
  /** `submit-input` requests sealed to `recipient`, as CBOR: signed, and in HPKE auth mode by `sender.hpke`. */
  readonly submitRequests: readonly Uint8Array[];
  /** A chunked input as CBOR `[submit-input-stream, submit-input-chunk...]`. */
  readonly streams: readonly Uint8Array[];
  readonly receipt: Uint8Array;
  readonly certificate: Uint8Array;
}

async function sealedSubmit(
  recipient: HpkeKeyPair,
  binding: InputBinding,
  sender: Party,
  value: unknown,
  auth: InputEnvelope['auth'] = 'signature',
) {
  const sealing = { ...binding, plaintext: encodeCbor(value), recipientPublicKey: recipient.publicKey };
  const envelope =
    auth === 'hpke'
      ? await sealInput({ ...sealing, senderHpkeKey: sender.hpke.privateKey })
      : await sealInput({ ...sealing, senderSigningKey: sender.signing.privateKey });
  return encodeCbor({
    type: 'submit-input',
    sessionId: binding.sessionId,
    input: { mode: 'hpke', envelope },
  });
}

async function sealedStream(
  recipient: HpkeKeyPair,
  binding: InputBinding,
  sender: Party,
  pieces: number[][],
) {
  const sealer = await InputStreamSealer.start({
    ...binding,
    recipientPublicKey: recipient.publicKey,
    senderSigningKey: sender.signing.privateKey,
  });
  const requests: unknown[] = [
    { type: 'submit-input-stream', sessionId: binding.sessionId, header: sealer.header },
  ];
  for (const [i, piece] of pieces.entries()) {
    const chunk = await sealer.sealChunk(encodeCbor(piece), i === pieces.length - 1);
    const { sessionId, inputName, partyId, round } = binding;
    requests.push({ type: 'submit-input-chunk', sessionId, inputName, partyId, round, chunk });
  }
  return encodeCbor(requests);
}

async function build(): Promise<ProtocolFixtures> {
  const world = await makeWorld();
  const { alice, bob, carol } = world.parties;
  const manifest = meanManifest(world);
  const approveRequests = [alice, bob, carol].map((p) =>
    encodeCbor({ type: 'approve', approval: signApproval(manifest, p.id, p.signing.privateKey) }),
  );
  const session = await openSession(world, manifest);
  world.clock.now = T0 + 60_000;
  for (const [party, name, value] of [
    [alice, 'salaries-a', [100_000, 120_000]],
    [bob, 'salaries-b', [80_000]],
  ] as const) {
    const { response } = await submit(world, session, party, name, value);
    if (codeOf(response) !== 'input-accepted') throw new Error(`fixture input refused: ${codeOf(response)}`);
  }
  const { sessionId } = session;
  expectOk(
    await world.service.handle(signed(world, carol, { type: 'evaluate', sessionId, round: 1 })),
    'evaluation-started',
  );
  const { receipt } = expectOk(
    await world.service.handle(signed(world, alice, { type: 'get-result', sessionId, round: 1 })),
    'result',
  );
  const now = world.clock.now;
  const signedRequests = [
    signRequest({ type: 'status', sessionId }, 'alice', alice.signing.privateKey, now),
    signRequest({ type: 'evaluate', sessionId, round: 1 }, 'carol', carol.signing.privateKey, now),
    signRequest({ type: 'get-result', sessionId, round: 1 }, 'bob', bob.signing.privateKey, now),
    signRequest({ type: 'destroy', sessionId }, 'bob', bob.signing.privateKey, now),
  ].map((r) => encodeCbor(r));
  const { certificate } = expectOk(
    await world.service.handle(signed(world, alice, { type: 'destroy', sessionId })),
    'destroyed',
  );
  const recipient = await generateHpkeKeyPair();
  const binding: InputBinding = { sessionId, inputName: 'salaries-a', partyId: 'alice', round: 1 };
  return {
    world,
    manifest,
    manifestBytes: encodeManifest(manifest),
    now,
    approveRequests,
    signedRequests,
    recipient,
    binding,
    sender: alice,
    submitRequests: [
      await sealedSubmit(recipient, binding, alice, [100_000, 120_000]),
      await sealedSubmit(recipient, binding, alice, []),
      await sealedSubmit(recipient, binding, alice, [3, 4], 'hpke'),
    ],
    streams: [
      await sealedStream(recipient, binding, alice, [[1, 2, 3], [4, 5], [6]]),
      await sealedStream(recipient, binding, alice, [[7]]),
    ],
    receipt: encodeReceipt(receipt as ResultReceipt),
    certificate: encodeReceipt(certificate as DestructionCertificate),
  };
}

let fixtures: Promise<ProtocolFixtures> | undefined;

/** The fixtures, built on first use. */
export function protocolFixtures(): Promise<ProtocolFixtures> {
  fixtures ??= build();
  return fixtures;
}
