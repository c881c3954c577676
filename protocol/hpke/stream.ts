/**
 * Chunked inputs, for inputs too large for one message (e.g. 2^20 PSI items). One HPKE context per stream:
 * chunk i is sealed with the context's i-th nonce (RFC 9180 sequence number), so a chunk opens only at its own
 * position. The AAD of every chunk carries its index and whether it is the last; the last also carries the total
 * plaintext length. Hence reordering, duplication and dropping fail to open, and truncation is caught because no
 * final chunk arrives. The party signs the header (which holds `enc`); only the holder of the ephemeral secret
 * behind `enc` (that party) can produce chunks that open, so the chunks need no signatures of their own.
 */
import { createHash, type Hash, type KeyObject } from 'node:crypto';
import type { RecipientContext, SenderContext } from '@hpke/core';
import { z } from 'zod';
import { encodeProtocolValue } from '../codec/canonical.js';
import { CONTEXTS } from '../codec/contexts.js';
import { bytesSchema, parseWith } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import type { SigningPublicKey } from '../signing/keys.js';
import { assertProtocolSignature, SIGNATURE_BYTES, signProtocolValue } from '../signing/signatures.js';
import { assertBindingMatches, type InputBinding, inputBindingSchema, inputInfo } from './binding.js';
import { pickBinding } from './envelope.js';
import { type HpkePrivateKey, type HpkePublicKey, importHpkePublicKey } from './keys.js';
import {
  cipherSuiteFor,
  HPKE_ENC_BYTES,
  HPKE_TAG_BYTES,
  type HpkeAead,
  hpkeSuiteIdsSchema,
  suiteIdsOf,
} from './suites.js';

export const MAX_CHUNK_PLAINTEXT_BYTES = 4 * 1024 * 1024;
/** Far below HPKE's own 2^96 limit; keeps every index a small CBOR integer. */
export const MAX_CHUNKS = 2 ** 32 - 1;

/** Wire form: canonical CBOR map {v, suite, sessionId, inputName, partyId, round, enc, signature}. */
export const inputStreamHeaderSchema = z.strictObject({
  ...inputBindingSchema.shape,
  v: z.literal(1),
  suite: hpkeSuiteIdsSchema,
  enc: bytesSchema(HPKE_ENC_BYTES, HPKE_ENC_BYTES),
  signature: bytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
});
export type InputStreamHeader = z.infer<typeof inputStreamHeaderSchema>;

/** Wire form: canonical CBOR map {index, final, ciphertext}. */
export const inputChunkSchema = z.strictObject({
  index: z
    .int()
    .min(0)
    .max(MAX_CHUNKS - 1),
  final: z.boolean(),
  ciphertext: bytesSchema(HPKE_TAG_BYTES, MAX_CHUNK_PLAINTEXT_BYTES + HPKE_TAG_BYTES),
});
export type InputChunk = z.infer<typeof inputChunkSchema>;

/** AAD: canonical CBOR of [context, {index, final, totalBytes (final chunk only)}]. Never sent: recomputed. */
function chunkAad(index: number, final: boolean, totalBytes: number): Uint8Array {
  return encodeProtocolValue([
    CONTEXTS.inputChunkAad,
    final ? { index, final, totalBytes } : { index, final },
  ]);
}

function unsignedHeader(header: InputStreamHeader): Omit<InputStreamHeader, 'signature'> {
  const { signature: _signature, ...rest } = header;
  return rest;
}

function sequenceError(message: string): ProtocolError {
  return new ProtocolError('CHUNK_SEQUENCE_INVALID', message);
}

export interface SealInputStreamParams extends InputBinding {
  readonly recipientPublicKey: HpkePublicKey;
  readonly senderSigningKey: KeyObject;
  readonly aead?: HpkeAead;
}

/** Seals one input as a sequence of chunks. Send `header` first, then each chunk in order. */
export class InputStreamSealer {
  private nextIndex = 0;
  private totalBytes = 0;
  private finished = false;

  private constructor(
    readonly header: InputStreamHeader,
    private readonly context: SenderContext,
  ) {}

  static async start(params: SealInputStreamParams): Promise<InputStreamSealer> {
    const binding = parseWith(inputBindingSchema, pickBinding(params), 'MESSAGE_INVALID', 'input binding');
    const suite = suiteIdsOf(params.aead ?? 'AES-256-GCM');
    const context = await cipherSuiteFor(suite).createSenderContext({
      recipientPublicKey: await importHpkePublicKey(params.recipientPublicKey),
      info: inputInfo(binding, 'stream'),
    });
    const body = { ...binding, v: 1 as const, suite, enc: new Uint8Array(context.enc) };
    const header = {
      ...body,
      signature: signProtocolValue(CONTEXTS.inputStreamHeader, body, params.senderSigningKey),
    };
    return new InputStreamSealer(header, context);
  }

  /** Seals the next chunk; pass `final: true` on the last one (it may be empty). */
  async sealChunk(plaintext: Uint8Array, final: boolean): Promise<InputChunk> {
    if (this.finished)
      throw sequenceError('the stream is already finished: no chunk may follow the final one');
    if (plaintext.byteLength > MAX_CHUNK_PLAINTEXT_BYTES) {
      throw new ProtocolError('MESSAGE_INVALID', `a chunk holds at most ${MAX_CHUNK_PLAINTEXT_BYTES} bytes`);
    }
    if (this.nextIndex >= MAX_CHUNKS) throw sequenceError('too many chunks');
    const index = this.nextIndex++;
    this.totalBytes += plaintext.byteLength;
    this.finished = final;
    const aad = chunkAad(index, final, this.totalBytes);
    const ciphertext = new Uint8Array(await this.context.seal(plaintext, aad));
    return { index, final, ciphertext };
  }
}

export interface OpenedInputStream {
  readonly chunks: number;
  readonly totalBytes: number;
  /** SHA-256 over the header's and every chunk's canonical bytes, in order (for receipts). */
  readonly commitment: Uint8Array;
}

/** Opens a chunked input in order. Any failure poisons it: the whole input must then be discarded. */
export class InputStreamOpener {
  private nextIndex = 0;
  private totalBytes = 0;
  private state: 'open' | 'finished' | 'failed' = 'open';
  /** Settles when the last chunk handed to `openChunk` has been dealt with. */
  private previous: Promise<void> = Promise.resolve();

  private constructor(
    private readonly context: RecipientContext,
    private readonly digest: Hash,
  ) {}

  /** Validates the header, verifies the party's signature and the binding, then sets up the HPKE context. */
  static async start(
    header: unknown,
    recipientPrivateKey: HpkePrivateKey,
    expected: InputBinding,
    senderPublicKey: SigningPublicKey,
  ): Promise<InputStreamOpener> {
    const parsed = parseWith(inputStreamHeaderSchema, header, 'MESSAGE_INVALID', 'input stream header');
    assertProtocolSignature(
      CONTEXTS.inputStreamHeader,
      unsignedHeader(parsed),
      parsed.signature,
      senderPublicKey,
      'input stream header',
    );
    assertBindingMatches(parsed, expected, 'input stream header');
    let context: RecipientContext;
    try {
      context = await cipherSuiteFor(parsed.suite).createRecipientContext({
        recipientKey: recipientPrivateKey,
        enc: parsed.enc,
        info: inputInfo(expected, 'stream'),
      });
    } catch (error) {
      throw new ProtocolError('HPKE_OPEN_FAILED', 'the stream header does not open with the session key', {
        cause: error,
      });
    }
    const digest = createHash('sha256').update(encodeProtocolValue(parsed));
    return new InputStreamOpener(context, digest);
  }

  /**
   * Opens the next chunk. Refuses chunks out of order, duplicated, or after the final one. Calls made before the
   * previous one settled wait their turn, in call order, so that a sender may pipeline chunks.
   */
  openChunk(chunk: unknown): Promise<Uint8Array> {
    const turn = this.previous.then(() => this.openInTurn(chunk));
    this.previous = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async openInTurn(chunk: unknown): Promise<Uint8Array> {
    if (this.state === 'failed') throw sequenceError('the stream already failed; discard the whole input');
    if (this.state === 'finished') {
      this.state = 'failed';
      throw sequenceError('a chunk arrived after the final chunk');
    }
    const parsed = parseWith(inputChunkSchema, chunk, 'MESSAGE_INVALID', 'input chunk');
    if (parsed.index !== this.nextIndex) {
      this.state = 'failed';
      throw sequenceError(`chunk ${parsed.index} arrived where chunk ${this.nextIndex} was expected`);
    }
    const plaintextBytes = parsed.ciphertext.byteLength - HPKE_TAG_BYTES;
    const aad = chunkAad(parsed.index, parsed.final, this.totalBytes + plaintextBytes);
    let plaintext: Uint8Array;
    try {
      plaintext = new Uint8Array(await this.context.open(parsed.ciphertext, aad));
    } catch (error) {
      this.state = 'failed';
      throw new ProtocolError(
        'HPKE_OPEN_FAILED',
        `chunk ${parsed.index} does not open: tampered, reordered or marked final falsely`,
        { cause: error },
      );
    }
    this.nextIndex++;
    this.totalBytes += plaintext.byteLength;
    this.digest.update(encodeProtocolValue(parsed));
    if (parsed.final) this.state = 'finished';
    return plaintext;
  }

  /** Call when the sender says the stream ended; refuses a stream whose final chunk never came (truncation). */
  finish(): OpenedInputStream {
    if (this.state !== 'finished') {
      this.state = 'failed';
      throw sequenceError('the stream ended without its final chunk (truncated)');
    }
    return {
      chunks: this.nextIndex,
      totalBytes: this.totalBytes,
      commitment: new Uint8Array(this.digest.copy().digest()),
    };
  }
}
