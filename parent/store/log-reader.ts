/**
 * A snapshot of the log for listing records: its own descriptor (so a compaction that renames a new log into place
 * does not disturb it) and the committed length when it was opened. It hands out the record encoding of the batch
 * bodies in bounded pieces and verifies each batch's trailer as it passes.
 */
import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { StoreError } from '../../protocol/store/errors.js';
import { WindowedReader } from './file-io.js';
import { BATCH_HEADER_BYTES, BATCH_TRAILER_BYTES, decodeBatchHeader, FILE_HEADER_BYTES } from './format.js';

export interface LogPage {
  readonly data: Buffer;
  /** No more records after this page. */
  readonly done: boolean;
}

export class LogSnapshotReader {
  readonly #handle: FileHandle;
  readonly #reader: WindowedReader;
  readonly #onClose: () => void;
  #bodyLeft = 0;
  #hash: Hash | undefined;
  #closed = false;

  constructor(handle: FileHandle, end: number, onClose: () => void, windowBytes = 1024 * 1024) {
    this.#handle = handle;
    this.#reader = new WindowedReader(handle, FILE_HEADER_BYTES, end, windowBytes);
    this.#onClose = onClose;
  }

  /** The next record bytes, at most `maxBytes` of them. */
  async read(maxBytes: number): Promise<LogPage> {
    if (this.#closed) throw new StoreError('STORE_CLOSED', 'this record listing was closed');
    const pieces: Buffer[] = [];
    let got = 0;
    while (got < maxBytes) {
      if (this.#bodyLeft === 0) {
        if (this.#hash) await this.#checkTrailer();
        if (this.#reader.remaining === 0) {
          return { data: Buffer.concat(pieces), done: true };
        }
        await this.#startBatch();
        continue;
      }
      const piece = await this.#reader.upTo(Math.min(maxBytes - got, this.#bodyLeft));
      this.#hash?.update(piece);
      pieces.push(Buffer.from(piece));
      got += piece.length;
      this.#bodyLeft -= piece.length;
    }
    return { data: Buffer.concat(pieces), done: false };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    await this.#handle.close().catch(() => undefined);
  }

  async #startBatch(): Promise<void> {
    const at = this.#reader.position;
    const raw = await this.#reader.exact(BATCH_HEADER_BYTES);
    const header = raw ? decodeBatchHeader(Buffer.from(raw)) : 'cut short';
    if (!raw || typeof header === 'string' || header.bodyBytes + BATCH_TRAILER_BYTES > this.#reader.remaining)
      throw this.#corrupt(at, typeof header === 'string' ? header : 'bad length');
    this.#hash = createHash('sha256').update(raw);
    this.#bodyLeft = header.bodyBytes;
  }

  async #checkTrailer(): Promise<void> {
    const at = this.#reader.position;
    const trailer = await this.#reader.exact(BATCH_TRAILER_BYTES);
    const expected = this.#hash?.digest();
    this.#hash = undefined;
    if (!trailer || !expected || !trailer.equals(expected)) throw this.#corrupt(at, 'checksum mismatch');
  }

  #corrupt(at: number, why: string): StoreError {
    return new StoreError(
      'STORE_CORRUPT',
      `the store log changed on disk since it was verified: batch data near byte ${at} is damaged (${why})`,
      { details: { offset: at } },
    );
  }
}
