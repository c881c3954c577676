import type { EnclaveResponse } from '../../protocol/index.js';
import {
  type HpkePublicKey,
  type InputAcceptedResponse,
  InputStreamSealer,
  type Manifest,
  ProtocolError,
  sealInput,
  sessionIdOf,
} from '../../protocol/index.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { EnclaveRefusal } from './errors.js';
import { expectResponse } from './expect-response.js';
import { encodeInputParts, partsLength, piecesOf } from './input-plaintext.js';
import type { PartyIdentity } from './party-client.js';

export interface SendInputOptions {
  readonly connection: EnclaveConnection;
  readonly party: PartyIdentity;
  readonly manifest: Manifest;
  /** The session key from a verified attestation (never from anywhere else). */
  readonly sessionKey: HpkePublicKey;
  readonly inputName: string;
  readonly value: unknown;
  readonly round?: number;
  /** Inputs larger than this are streamed in chunks of this size (default: what fits a 1 MiB frame). */
  readonly chunkBytes?: number;
  /** Chunks sent before the first of them is answered (default 4); 1 sends one at a time. */
  readonly chunksInFlight?: number;
  /** Called after each chunk is accepted: bytes of plaintext sent so far, and in all. */
  readonly onProgress?: (sent: number, total: number) => void;
  /** Called with the enclave's acknowledgement (its journal counter is what a rollback check holds it to). */
  readonly onAccepted?: (accepted: InputAcceptedResponse) => void;
}

/** The largest chunk whose request (binding, index, tag, CBOR and frame envelope) fits the default 1 MiB frame. */
const DEFAULT_CHUNK_BYTES = 1024 * 1024 - 4 * 1024;
const DEFAULT_CHUNKS_IN_FLIGHT = 4;

/**
 * True when the manifest gives `party` the HPKE key it holds: the enclave can then check auth-mode envelopes.
 * Another key listed for it is refused (`KEY_INVALID`): its holder could send inputs in this party's name.
 */
function hasOwnHpkeKey(manifest: Manifest, party: PartyIdentity): boolean {
  const listed = manifest.parties.find((p) => p.id === party.id)?.hpkePublicKey;
  if (listed === undefined) return false;
  if (listed.key !== party.hpke.publicKey.key) {
    throw new ProtocolError(
      'KEY_INVALID',
      `the manifest lists an HPKE key for "${party.id}" that is not this party's: its holder could send inputs ` +
        'in its name; send nothing to this session',
    );
  }
  return true;
}

/**
 * Encrypts one input to the session key and sends it, streamed in position-bound chunks when large (what
 * `PartyClient.submit` does, for a session key learnt in another process, with progress). Returns its commitment.
 * Chunks are pipelined: up to `chunksInFlight` are on the wire while the enclave opens them in order (each opens
 * only at its own position), so neither side waits a round trip per chunk.
 */
export async function sendInput(options: SendInputOptions): Promise<Uint8Array> {
  const { connection, party, sessionKey, inputName, onProgress } = options;
  const sessionId = sessionIdOf(options.manifest);
  const binding = { sessionId, inputName, partyId: party.id, round: options.round ?? 1 };
  const parts = encodeInputParts(options.value);
  const total = partsLength(parts);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const keys = { recipientPublicKey: sessionKey, senderSigningKey: party.signing.privateKey };
  if (total <= chunkBytes) {
    const plaintext = parts.length === 1 ? (parts[0] as Uint8Array) : new Uint8Array(Buffer.concat(parts));
    const sealing = {
      sessionId: binding.sessionId,
      inputName: binding.inputName,
      partyId: binding.partyId,
      round: binding.round,
      recipientPublicKey: keys.recipientPublicKey,
      plaintext,
    };
    // HPKE auth mode when the manifest holds this party's HPKE key (cheaper for the enclave to check than a
    // signature); otherwise the envelope is signed.
    const envelope = hasOwnHpkeKey(options.manifest, party)
      ? await sealInput({ ...sealing, senderHpkeKey: party.hpke.privateKey })
      : await sealInput({ ...sealing, senderSigningKey: keys.senderSigningKey });
    const response = await connection.send({
      type: 'submit-input',
      sessionId,
      input: { mode: 'hpke', envelope },
    });
    const accepted = expectResponse(response, 'input-accepted');
    options.onAccepted?.(accepted);
    onProgress?.(total, total);
    return accepted.commitment;
  }
  const sealer = await InputStreamSealer.start({ ...binding, ...keys });
  expectResponse(
    await connection.send({ type: 'submit-input-stream', sessionId, header: sealer.header }),
    'chunk-accepted',
  );
  const window = Math.max(1, options.chunksInFlight ?? DEFAULT_CHUNKS_IN_FLIGHT);
  const inFlight: { response: Promise<EnclaveResponse>; sent: number; final: boolean }[] = [];
  let sent = 0;
  let commitment: Uint8Array | undefined;
  /** Waits for the oldest chunk's answer; a refusal throws (the enclave then discards the whole input). */
  const settleOldest = async () => {
    const oldest = inFlight.shift();
    if (!oldest) return;
    const response = await oldest.response;
    if (oldest.final) {
      const accepted = expectResponse(response, 'input-accepted');
      options.onAccepted?.(accepted);
      commitment = accepted.commitment;
    } else expectResponse(response, 'chunk-accepted');
    onProgress?.(oldest.sent, total);
  };
  try {
    for (const piece of piecesOf(parts, chunkBytes)) {
      sent += piece.byteLength;
      const final = sent === total;
      const chunk = await sealer.sealChunk(piece, final);
      const response = connection.send({ type: 'submit-input-chunk', ...binding, chunk });
      response.catch(() => undefined); // observed in settleOldest; a later chunk may fail first
      inFlight.push({ response, sent, final });
      if (inFlight.length >= window) await settleOldest();
    }
    while (inFlight.length > 0) await settleOldest();
  } catch (error) {
    // Chunks still on the wire are refused too; wait for them so none outlives this call.
    await Promise.allSettled(inFlight.map((c) => c.response));
    throw error;
  }
  if (commitment === undefined) {
    throw new EnclaveRefusal('MESSAGE_INVALID', 'the enclave never acknowledged the final chunk');
  }
  return commitment;
}
