import { encodeCbor } from '../../common/cbor/index.js';
import {
  type HpkePublicKey,
  type InputAcceptedResponse,
  InputStreamSealer,
  type Manifest,
  sealInput,
  sessionIdOf,
} from '../../protocol/index.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { expectResponse } from './expect-response.js';
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
  /** Inputs larger than this are streamed in chunks of this size (default 512 KiB). */
  readonly chunkBytes?: number;
  /** Called after each chunk is accepted: bytes of plaintext sent so far, and in all. */
  readonly onProgress?: (sent: number, total: number) => void;
  /** Called with the enclave's acknowledgement (its journal counter is what a rollback check holds it to). */
  readonly onAccepted?: (accepted: InputAcceptedResponse) => void;
}

const DEFAULT_CHUNK_BYTES = 512 * 1024;

/**
 * Encrypts one input to the session key and sends it, streamed in position-bound chunks when large (what
 * `PartyClient.submit` does, for a session key learnt in another process, with progress). Returns its commitment.
 */
export async function sendInput(options: SendInputOptions): Promise<Uint8Array> {
  const { connection, party, sessionKey, inputName, onProgress } = options;
  const sessionId = sessionIdOf(options.manifest);
  const binding = { sessionId, inputName, partyId: party.id, round: options.round ?? 1 };
  const plaintext = encodeCbor(options.value);
  const total = plaintext.byteLength;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const keys = { recipientPublicKey: sessionKey, senderSigningKey: party.signing.privateKey };
  if (total <= chunkBytes) {
    const envelope = await sealInput({ ...binding, ...keys, plaintext });
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
  for (let offset = 0; ; offset += chunkBytes) {
    const final = offset + chunkBytes >= total;
    const chunk = await sealer.sealChunk(plaintext.subarray(offset, offset + chunkBytes), final);
    const response = await connection.send({ type: 'submit-input-chunk', ...binding, chunk });
    onProgress?.(Math.min(offset + chunkBytes, total), total);
    if (final) {
      const accepted = expectResponse(response, 'input-accepted');
      options.onAccepted?.(accepted);
      return accepted.commitment;
    }
    expectResponse(response, 'chunk-accepted');
  }
}
