/**
 * The receiving end of a chunked upload: a Readable of the data, checked as it arrives (chunk order, and at the
 * end the sender's totals and SHA-256). It holds at most its high-water mark; beyond that the channel stops
 * reading the connection until the handler reads on.
 */
import { createHash, type Hash, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { TransportError } from '../errors.js';

export class IncomingUpload extends Readable {
  readonly #onDemand: () => void;
  readonly #hash: Hash = createHash('sha256');
  #nextSeq = 0;
  #bytes = 0;
  #sha256: string | undefined;
  // Node's own signal: `_read` means "more", `push` returning false means "enough". (readableLength lags: `read()`
  // calls `_read` before it takes data out of the buffer.)
  #wantsData = true;

  constructor(highWaterMark: number, onDemand: () => void) {
    super({ highWaterMark });
    this.#onDemand = onDemand;
  }

  /** The verified SHA-256 (hex) of the whole upload, once it has ended. */
  get sha256(): string | undefined {
    return this.#sha256;
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.#bytes;
  }

  /** Whether it wants more data now (false: its buffer is full). */
  get wantsData(): boolean {
    return this.#wantsData;
  }

  /** Adds one chunk; throws FRAME_UNEXPECTED when it is out of order. */
  accept(seq: number, data: Uint8Array): void {
    if (seq !== this.#nextSeq) {
      throw new TransportError(
        'FRAME_UNEXPECTED',
        `upload chunk ${seq} arrived where chunk ${this.#nextSeq} was due`,
      );
    }
    this.#nextSeq += 1;
    this.#bytes += data.length;
    this.#hash.update(data);
    if (!this.destroyed) this.#wantsData = this.push(data);
  }

  /** Checks the sender's totals and digest, then ends the stream (or destroys it with UPLOAD_INTEGRITY). */
  finish(chunks: number, bytes: number, sha256: Uint8Array): void {
    const digest = this.#hash.digest();
    if (chunks !== this.#nextSeq || bytes !== this.#bytes || !timingSafeEqual(digest, sha256)) {
      this.destroy(
        new TransportError(
          'UPLOAD_INTEGRITY',
          'the upload does not match the totals and SHA-256 its sender announced',
          {
            details: {
              chunks: this.#nextSeq,
              bytes: this.#bytes,
              announcedChunks: chunks,
              announcedBytes: bytes,
            },
          },
        ),
      );
      return;
    }
    this.#sha256 = digest.toString('hex');
    this.push(null);
  }

  override _read(): void {
    this.#wantsData = true;
    this.#onDemand();
  }
}
