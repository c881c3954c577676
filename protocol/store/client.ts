/**
 * The enclave's side of the sealed store: a SealedStore over one FrameChannel to the parent's store server. Small
 * appends travel inside their request (many in flight share the server's fsyncs); large ones as an upload, one at
 * a time per connection, so an upload waiting for the log never stalls another upload on the same connection.
 * A lost connection fails what was in flight with STORE_UNAVAILABLE; the next call connects again.
 */
import { connect, FrameChannel, TransportError } from '../transport/index.js';
import { isStoreErrorCode, StoreError } from './errors.js';
import { checkBatch, checkSealKeyBlob, type SealedRecord, type SealedStore, sessionHex } from './record.js';
import { RecordDecoder, recordChunks, recordPieces } from './record-codec.js';
import {
  emptyResponseSchema,
  MAX_INLINE_BODY_BYTES,
  MAX_READ_BYTES,
  parseStoreMessage,
  readKeyResponseSchema,
  readOpenResponseSchema,
  readResponseSchema,
} from './wire.js';

export interface SealedStoreClientOptions {
  /** Give up connecting after this long (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Appends up to this many encoded bytes go inside the request (default and maximum 256 KiB). */
  readonly inlineMaxBytes?: number;
  /** Bytes asked for per `read` while listing records (default and maximum 512 KiB). */
  readonly readChunkBytes?: number;
}

const REMOTE_PREFIX = /^the peer refused the request: [A-Z0-9_]+: /;

/** What a failed exchange means to the enclave, as a StoreError. */
export function storeErrorOf(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  if (error instanceof TransportError) {
    const remote = error.details?.['remoteCode'];
    if (error.code === 'TRANSPORT_REMOTE_ERROR' && typeof remote === 'string') {
      const message = error.message.replace(REMOTE_PREFIX, '');
      if (isStoreErrorCode(remote)) return new StoreError(remote, message);
      return new StoreError('STORE_IO', `the store failed (${remote}): ${message}`);
    }
    return new StoreError('STORE_UNAVAILABLE', `the sealed store is not reachable: ${error.message}`, {
      cause: error,
      details: { transportCode: error.code },
    });
  }
  return new StoreError('STORE_UNAVAILABLE', 'the sealed store exchange failed', { cause: error });
}

function checkOptions(options: SealedStoreClientOptions): void {
  const limits: Array<[string, number | undefined, number]> = [
    ['inlineMaxBytes', options.inlineMaxBytes, MAX_INLINE_BODY_BYTES],
    ['readChunkBytes', options.readChunkBytes, MAX_READ_BYTES],
  ];
  for (const [name, value, max] of limits) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max))
      throw new StoreError('STORE_OPTIONS_INVALID', `${name} must be an integer from 0 to ${max}`);
  }
}

class SealedStoreClient implements SealedStore {
  readonly #address: string;
  readonly #connectTimeoutMs: number | undefined;
  readonly #inlineMaxBytes: number;
  readonly #readChunkBytes: number;
  #channel: Promise<FrameChannel> | undefined;
  #uploadTail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(address: string, options: SealedStoreClientOptions) {
    this.#address = address;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#inlineMaxBytes = options.inlineMaxBytes ?? MAX_INLINE_BODY_BYTES;
    this.#readChunkBytes = options.readChunkBytes ?? MAX_READ_BYTES;
  }

  /** The open channel, connecting when there is none (first use, or after the connection was lost). */
  channel(): Promise<FrameChannel> {
    if (this.#closed)
      return Promise.reject(new StoreError('STORE_CLOSED', 'this sealed store client is closed'));
    if (this.#channel) return this.#channel;
    const opening = connect(
      this.#address,
      this.#connectTimeoutMs === undefined ? {} : { timeoutMs: this.#connectTimeoutMs },
    ).then((stream) => {
      const channel = new FrameChannel(stream);
      void channel.closed.then(() => {
        if (this.#channel === mapped) this.#channel = undefined;
      });
      return channel;
    });
    const mapped = opening.catch((error: unknown) => {
      if (this.#channel === mapped) this.#channel = undefined;
      throw storeErrorOf(error);
    });
    this.#channel = mapped;
    return mapped;
  }

  async #request(body: unknown, upload?: Iterable<Uint8Array>, channel?: FrameChannel): Promise<unknown> {
    const on = channel ?? (await this.channel());
    try {
      return await on.request(body, upload === undefined ? {} : { upload });
    } catch (error) {
      throw storeErrorOf(error);
    }
  }

  async readSealKey(): Promise<Uint8Array | undefined> {
    const answer = parseStoreMessage(
      readKeyResponseSchema,
      await this.#request({ op: 'read-key' }),
      'the store answer to read-key',
      'STORE_CORRUPT',
    );
    return answer.blob === null ? undefined : new Uint8Array(answer.blob);
  }

  async writeSealKey(blob: Uint8Array): Promise<void> {
    checkSealKeyBlob(blob);
    this.#empty(await this.#request({ op: 'write-key', blob }), 'write-key');
  }

  async append(records: readonly SealedRecord[]): Promise<void> {
    const size = checkBatch(records);
    if (size.count === 0) return;
    const head = { op: 'append', count: size.count, bodyBytes: size.bodyBytes };
    if (size.bodyBytes <= this.#inlineMaxBytes) {
      const body = Buffer.concat(recordPieces(records));
      this.#empty(await this.#request({ ...head, body }), 'append');
      return;
    }
    // One upload at a time on this connection: the server reads uploads in log order.
    const previous = this.#uploadTail;
    const sent = previous.then(() => this.#request(head, recordChunks(records, 64 * 1024)));
    this.#uploadTail = sent.catch(() => undefined);
    this.#empty(await sent, 'append');
  }

  async *records(): AsyncGenerator<SealedRecord> {
    const channel = await this.channel();
    const { reader } = parseStoreMessage(
      readOpenResponseSchema,
      await this.#request({ op: 'read-open' }, undefined, channel),
      'the store answer to read-open',
      'STORE_CORRUPT',
    );
    const decoder = new RecordDecoder();
    let done = false;
    try {
      while (!done) {
        const page = parseStoreMessage(
          readResponseSchema,
          await this.#request({ op: 'read', reader, maxBytes: this.#readChunkBytes }, undefined, channel),
          'the store answer to read',
          'STORE_CORRUPT',
        );
        done = page.done;
        yield* decoder.push(page.data);
      }
      decoder.finish();
    } finally {
      if (!done) await this.#request({ op: 'read-close', reader }, undefined, channel).catch(() => undefined);
    }
  }

  async dropSession(sessionId: Uint8Array): Promise<void> {
    if (!(sessionId instanceof Uint8Array) || sessionId.length !== 32)
      throw new StoreError('STORE_REQUEST_INVALID', 'a session id is 32 bytes');
    this.#empty(await this.#request({ op: 'drop', sessionId }), `drop ${sessionHex(sessionId).slice(0, 16)}`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const channel = await this.#channel?.catch(() => undefined);
    await channel?.close();
  }

  #empty(answer: unknown, what: string): void {
    parseStoreMessage(emptyResponseSchema, answer, `the store answer to ${what}`, 'STORE_CORRUPT');
  }
}

/**
 * Connects to the parent's store server (`vsock://3:<port>` on Nitro, `unix:///path` in simulator mode). Rejects
 * with STORE_UNAVAILABLE when nothing answers there.
 */
export async function connectSealedStore(
  address: string,
  options: SealedStoreClientOptions = {},
): Promise<SealedStore> {
  checkOptions(options);
  const client = new SealedStoreClient(address, options);
  await client.channel();
  return client;
}
