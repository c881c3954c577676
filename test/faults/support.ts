/**
 * Faults through real processes: the enclave bundle and the parent's proxy each run as their own process, parties
 * connect over TCP to the proxy. Helpers to agree on a session and to stream an input chunk by chunk, stopping
 * wherever a test wants the connection to drop.
 */
import { encodeCbor } from '../../common/cbor/index.js';
import { draftManifest, EnclaveConnection, PartyClient } from '../../parent/client/index.js';
import { type HpkePublicKey, InputStreamSealer, type Manifest, sessionIdOf } from '../../protocol/index.js';
import { measurementOf, type RunningEnclave } from '../../simulator/enclave-process.js';
import type { Party } from '../enclave/support.js';

/** A party's SDK client and the connection under it (so a test can drop it). */
export interface ConnectedParty {
  readonly party: Party;
  readonly connection: EnclaveConnection;
  readonly client: PartyClient;
}

export async function connectParty(
  endpoint: string,
  party: Party,
  enclave: RunningEnclave,
  chunkBytes?: number,
): Promise<ConnectedParty> {
  const connection = await EnclaveConnection.open(endpoint);
  const client = new PartyClient(connection, party, {
    roots: [enclave.root],
    ...(chunkBytes === undefined ? {} : { chunkBytes }),
  });
  return { party, connection, client };
}

/** Every party provides `<id>-input` once; the first party may request evaluation; mean over numbers. */
export function meanOver(parties: readonly Party[], enclave: RunningEnclave): Manifest {
  return draftManifest({
    fn: measurementOf('mean'),
    parameters: {},
    parties,
    pcrs: enclave.pcrs,
    maxInputBytes: 1 << 20,
  });
}

/**
 * Creates the session, has every party approve, and has the parties attest (learning the session key): every
 * party, or only the first `attesting` (a raw stream only needs the key, which is the same for all).
 */
export async function agree(
  manifest: Manifest,
  parties: readonly ConnectedParty[],
  attesting = parties.length,
): Promise<HpkePublicKey> {
  const [first] = parties;
  if (!first) throw new Error('no parties');
  await first.client.create(manifest);
  await Promise.all(parties.map((p) => p.client.approve(manifest)));
  let key: HpkePublicKey | undefined;
  for (const p of parties.slice(0, attesting)) key = (await p.client.attest(manifest)).hpkePublicKey;
  if (!key) throw new Error('no session key');
  return key;
}

/**
 * Streams `value` as `<party>-input` in chunks of `chunkBytes` and stops after `chunks` chunks were accepted,
 * without the final one: what a party leaves behind when its connection drops mid-stream. Returns the chunk count
 * the whole input would have taken.
 */
export async function streamPartially(
  connected: ConnectedParty,
  manifest: Manifest,
  sessionKey: HpkePublicKey,
  value: unknown,
  chunkBytes: number,
  chunks: number,
): Promise<number> {
  const { party, connection } = connected;
  const sessionId = sessionIdOf(manifest);
  const binding = { sessionId, inputName: `${party.id}-input`, partyId: party.id, round: 1 };
  const plaintext = encodeCbor(value);
  const total = Math.ceil(plaintext.byteLength / chunkBytes);
  if (chunks >= total)
    throw new Error(`the input takes ${total} chunks: stopping after ${chunks} sends it all`);
  const sealer = await InputStreamSealer.start({
    ...binding,
    recipientPublicKey: sessionKey,
    senderSigningKey: party.signing.privateKey,
  });
  const started = await connection.send({ type: 'submit-input-stream', sessionId, header: sealer.header });
  if (started.type !== 'chunk-accepted') throw new Error(`stream refused: ${JSON.stringify(started)}`);
  for (let i = 0; i < chunks; i++) {
    const chunk = await sealer.sealChunk(plaintext.subarray(i * chunkBytes, (i + 1) * chunkBytes), false);
    const response = await connection.send({ type: 'submit-input-chunk', ...binding, chunk });
    if (response.type !== 'chunk-accepted') throw new Error(`chunk refused: ${JSON.stringify(response)}`);
  }
  return total;
}

/** Numbers whose CBOR takes about `bytes` bytes (9 bytes per float64). */
export function numbersOfAbout(bytes: number, seed = 1): number[] {
  return Array.from({ length: Math.ceil(bytes / 9) }, (_, i) => seed * 1000 + i + 0.5);
}

export function meanOf(values: readonly number[][]): number {
  const all = values.flat();
  return all.reduce((a, b) => a + b, 0) / all.length;
}
