/** A session world for tests: three parties with real keys, a simulated NSM, a session service, a clock. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeStrictCbor, encodeCbor } from '../../common/cbor/index.js';
import { getFunction } from '../../enclave/functions/index.js';
import { type KmsDecrypt, SessionService, type SessionServiceOptions } from '../../enclave/sessions/index.js';
import {
  type EnclaveResponse,
  encodeManifest,
  generateHpkeKeyPair,
  generateSigningKeyPair,
  type HpkeKeyPair,
  type InputEnvelope,
  type Manifest,
  openResult,
  parseManifest,
  type ResultReceipt,
  type SigningKeyPair,
  sealInput,
  signApproval,
  signRequest,
  verifyReceipt,
  verifySessionAttestation,
} from '../../protocol/index.js';
import { createSimulatedNsm, type SimulatedNsm } from '../../simulator/nsm/index.js';

export interface Party {
  readonly id: string;
  readonly signing: SigningKeyPair;
  readonly hpke: HpkeKeyPair;
}

export const T0 = Date.parse('2026-11-25T10:00:00Z');
export const HOUR = 3_600_000;

export interface World {
  readonly parties: Record<'alice' | 'bob' | 'carol' | 'mallory', Party>;
  readonly nsm: SimulatedNsm;
  readonly service: SessionService;
  readonly clock: { now: number };
  pcrsOf(): { index: number; allowed: string[] }[];
}

export async function makeParty(id: string): Promise<Party> {
  return {
    id,
    signing: generateSigningKeyPair(id === 'bob' ? 'ES256' : 'Ed25519'),
    hpke: await generateHpkeKeyPair(),
  };
}

/** A world around a given enclave (its NSM, optionally its KMS), parties with fresh keys, and a settable clock. */
export async function worldAround(
  nsm: SimulatedNsm,
  options: {
    readonly now: number;
    readonly kmsDecrypt?: KmsDecrypt;
    readonly persistence?: SessionServiceOptions['persistence'];
  },
): Promise<World> {
  const clock = { now: options.now };
  const service = new SessionService({
    now: () => clock.now,
    attest: (userData, nonce) => nsm.attest({ userData, ...(nonce === undefined ? {} : { nonce }) }),
    ...(options.kmsDecrypt === undefined ? {} : { kmsDecrypt: options.kmsDecrypt }),
    ...(options.persistence === undefined ? {} : { persistence: options.persistence }),
  });
  const parties = {
    alice: await makeParty('alice'),
    bob: await makeParty('bob'),
    carol: await makeParty('carol'),
    mallory: await makeParty('mallory'),
  };
  return {
    parties,
    nsm,
    service,
    clock,
    pcrsOf: () => [0, 1, 2].map((index) => ({ index, allowed: [nsm.bootPcrs[index] ?? ''] })),
  };
}

/** A world at T0 whose simulated NSM follows the world's clock. */
export async function makeWorld(
  options: { readonly persistence?: SessionServiceOptions['persistence'] } = {},
): Promise<World> {
  const stateDir = mkdtempSync(join(tmpdir(), 'nitro-mpc-sessions-'));
  let world: World | undefined;
  const nsm = await createSimulatedNsm({
    stateDir,
    bundle: new TextEncoder().encode('enclave under test'),
    clock: () => world?.clock.now ?? T0,
  });
  world = await worldAround(nsm, { now: T0, ...options });
  return world;
}

/** A mean over salaries: alice and bob provide, alice, bob and carol receive (carol in clear). */
export function meanManifest(world: World, overrides: Record<string, unknown> = {}): Manifest {
  const fn = getFunction('mean', '1.0.0');
  const { alice, bob, carol } = world.parties;
  return parseManifest({
    version: 1,
    salt: randomBytes(16).toString('hex'),
    function: { id: fn.id, version: fn.version, measurement: fn.measurement },
    parameters: {},
    parties: [alice, bob, carol].map((p) => ({
      id: p.id,
      displayName: p.id,
      signingKey: p.signing.publicKey,
      hpkePublicKey: p.hpke.publicKey,
    })),
    inputs: [
      { name: 'salaries-a', provider: 'alice', schema: 'numbers', maxBytes: 1 << 16, provide: 'each-round' },
      { name: 'salaries-b', provider: 'bob', schema: 'numbers', maxBytes: 1 << 16, provide: 'each-round' },
    ],
    recipients: [
      { party: 'alice', view: 'full', delivery: 'encrypted' },
      { party: 'bob', view: 'full', delivery: 'encrypted' },
      { party: 'carol', view: 'full', delivery: 'clear' },
    ],
    threshold: 2,
    window: { opensAt: T0, closesAt: T0 + HOUR },
    resubmission: 'reject',
    evaluation: { trigger: 'on-request', requesters: ['carol'] },
    rounds: 1,
    enclave: { pcrs: world.pcrsOf() },
    ...overrides,
  });
}

export function expectOk<T extends EnclaveResponse['type']>(
  response: EnclaveResponse,
  type: T,
): Extract<EnclaveResponse, { type: T }> {
  if (response.type !== type) {
    throw new Error(
      `expected ${type}, got ${JSON.stringify(response.type === 'error' ? response : response.type)}`,
    );
  }
  return response as Extract<EnclaveResponse, { type: T }>;
}

export function codeOf(response: EnclaveResponse): string {
  return response.type === 'error' ? response.code : response.type;
}

/** Creates the session, has every party approve, and attests with a nonce: what a party does before sending. */
export async function openSession(world: World, manifest: Manifest) {
  const bytes = encodeManifest(manifest);
  const created = expectOk(
    await world.service.handle({ type: 'create-session', manifest: bytes }),
    'session-created',
  );
  for (const party of manifest.parties) {
    const signer = Object.values(world.parties).find((p) => p.id === party.id);
    if (!signer) throw new Error(`no key for ${party.id}`);
    expectOk(
      await world.service.handle({
        type: 'approve',
        approval: signApproval(manifest, party.id, signer.signing.privateKey),
      }),
      'approval-recorded',
    );
  }
  const nonce = new Uint8Array(randomBytes(32));
  const { document } = expectOk(
    await world.service.handle({ type: 'attest', sessionId: created.sessionId, nonce }),
    'attestation',
  );
  const attested = await verifySessionAttestation(document, {
    manifest,
    nonce,
    roots: [world.nsm.rootCertificate.der],
    at: world.clock.now,
  });
  return { sessionId: created.sessionId, attested, document };
}

export async function submit(
  world: World,
  session: { sessionId: Uint8Array; attested: { hpkePublicKey: HpkeKeyPair['publicKey'] } },
  party: Party,
  inputName: string,
  value: unknown,
  round = 1,
  auth: InputEnvelope['auth'] = 'signature',
) {
  const sealing = {
    sessionId: session.sessionId,
    inputName,
    partyId: party.id,
    round,
    plaintext: encodeCbor(value),
    recipientPublicKey: session.attested.hpkePublicKey,
  };
  const envelope: InputEnvelope =
    auth === 'hpke'
      ? await sealInput({ ...sealing, senderHpkeKey: party.hpke.privateKey })
      : await sealInput({ ...sealing, senderSigningKey: party.signing.privateKey });
  return {
    envelope,
    response: await world.service.handle({
      type: 'submit-input',
      sessionId: session.sessionId,
      input: { mode: 'hpke', envelope },
    }),
  };
}

export function signed<R extends { type: string }>(world: World, party: Party, request: R) {
  return signRequest(request, party.id, party.signing.privateKey, world.clock.now);
}

/** Opens a result receipt's payload for its recipient and decodes it. */
export async function readResult(party: Party, receipt: ResultReceipt): Promise<unknown> {
  const { body } = receipt;
  const bytes = await openResult(
    { sessionId: body.sessionId, round: body.round, recipient: body.recipient, view: body.view },
    body.result,
    party.hpke.privateKey,
  );
  return decodeStrictCbor(bytes);
}

/**
 * Asks `requester` to evaluate round 1, then fetches each recipient's result: every receipt verified offline
 * (against the simulated NSM root and the manifest) and opened.
 */
export async function evaluateAndRead(
  world: World,
  session: { sessionId: Uint8Array },
  manifest: Manifest,
  requester: Party,
  recipients: readonly Party[],
) {
  expectOk(
    await world.service.handle(
      signed(world, requester, { type: 'evaluate', sessionId: session.sessionId, round: 1 }),
    ),
    'evaluation-started',
  );
  const roots = [world.nsm.rootCertificate.der];
  const results = [];
  for (const party of recipients) {
    const { receipt } = expectOk(
      await world.service.handle(
        signed(world, party, { type: 'get-result', sessionId: session.sessionId, round: 1 }),
      ),
      'result',
    );
    const summary = await verifyReceipt(receipt, { roots, manifest });
    results.push({ receipt, summary, value: await readResult(party, receipt) });
  }
  return results;
}
