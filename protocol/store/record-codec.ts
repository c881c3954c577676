/**
 * The record encoding, identical on the wire and inside a batch on disk: per record a 44-byte header (session id,
 * counter u64 BE, sealed length u32 BE) then the sealed bytes. The parser takes it in arbitrary pieces, so neither
 * side ever needs a whole batch in memory.
 */
import { SESSION_ID_BYTES } from '../codec/schema.js';
import { StoreError } from './errors.js';
import { MAX_RECORD_BYTES, RECORD_HEADER_BYTES, recordInvalid, type SealedRecord } from './record.js';

export interface RecordHeader {
  readonly sessionId: Uint8Array;
  readonly counter: number;
  readonly length: number;
}

export function encodeRecordHeader(record: SealedRecord | RecordHeader): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.set(record.sessionId, 0);
  header.writeBigUInt64BE(BigInt(record.counter), SESSION_ID_BYTES);
  header.writeUInt32BE('sealed' in record ? record.sealed.length : record.length, SESSION_ID_BYTES + 8);
  return header;
}

/** The encoding as pieces (each header, each record's own bytes): nothing is copied. */
export function recordPieces(records: readonly SealedRecord[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (const record of records) pieces.push(encodeRecordHeader(record), record.sealed);
  return pieces;
}

/** The encoding in pieces of about `chunkBytes`, small records packed together (for an upload). */
export function* recordChunks(records: readonly SealedRecord[], chunkBytes: number): Generator<Uint8Array> {
  let buffer = Buffer.allocUnsafe(chunkBytes);
  let filled = 0;
  for (const piece of recordPieces(records)) {
    let offset = 0;
    while (offset < piece.length) {
      const take = Math.min(chunkBytes - filled, piece.length - offset);
      buffer.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === chunkBytes) {
        yield buffer;
        buffer = Buffer.allocUnsafe(chunkBytes); // the consumer may still hold the last one
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

export interface RecordVisitor {
  header(header: RecordHeader, index: number): void;
  data?(piece: Uint8Array): void;
  end?(): void;
}

/** Parses the record encoding piece by piece, checking every header; holds at most one header. */
export class RecordStreamParser {
  readonly #maxRecordBytes: number;
  readonly #header = Buffer.alloc(RECORD_HEADER_BYTES);
  #headerFilled = 0;
  #dataLeft = -1; // -1: reading a header
  #records = 0;
  #bytes = 0;

  constructor(maxRecordBytes = MAX_RECORD_BYTES) {
    this.#maxRecordBytes = maxRecordBytes;
  }

  /** Records whose header was read. */
  get records(): number {
    return this.#records;
  }

  /** Bytes parsed. */
  get bytes(): number {
    return this.#bytes;
  }

  /** True when the bytes so far end exactly at a record boundary. */
  get atBoundary(): boolean {
    return this.#dataLeft === -1 && this.#headerFilled === 0;
  }

  /** Feeds one piece; throws STORE_RECORD_INVALID at the first bad header. */
  feed(piece: Uint8Array, visitor: RecordVisitor): void {
    let offset = 0;
    this.#bytes += piece.length;
    while (offset < piece.length) {
      if (this.#dataLeft === -1) {
        const take = Math.min(RECORD_HEADER_BYTES - this.#headerFilled, piece.length - offset);
        this.#header.set(piece.subarray(offset, offset + take), this.#headerFilled);
        this.#headerFilled += take;
        offset += take;
        if (this.#headerFilled < RECORD_HEADER_BYTES) break;
        const header = this.#readHeader();
        this.#headerFilled = 0;
        this.#dataLeft = header.length;
        visitor.header(header, this.#records);
        this.#records += 1;
      } else {
        const take = Math.min(this.#dataLeft, piece.length - offset);
        visitor.data?.(piece.subarray(offset, offset + take));
        this.#dataLeft -= take;
        offset += take;
      }
      if (this.#dataLeft === 0) {
        this.#dataLeft = -1;
        visitor.end?.();
      }
    }
  }

  #readHeader(): RecordHeader {
    const counter = this.#header.readBigUInt64BE(SESSION_ID_BYTES);
    const length = this.#header.readUInt32BE(SESSION_ID_BYTES + 8);
    if (counter > BigInt(Number.MAX_SAFE_INTEGER))
      throw recordInvalid(this.#records, 'has a counter above the largest safe integer');
    if (length === 0) throw recordInvalid(this.#records, 'has no sealed bytes');
    if (length > this.#maxRecordBytes)
      throw recordInvalid(this.#records, `announces ${length} sealed bytes, above ${this.#maxRecordBytes}`);
    return {
      sessionId: new Uint8Array(this.#header.subarray(0, SESSION_ID_BYTES)),
      counter: Number(counter),
      length,
    };
  }
}

/** Turns the record encoding back into records; holds at most the record being assembled. */
export class RecordDecoder {
  readonly #parser: RecordStreamParser;
  #current: { header: RecordHeader; sealed: Uint8Array; filled: number } | undefined;
  #done: SealedRecord[] = [];

  constructor(maxRecordBytes = MAX_RECORD_BYTES) {
    this.#parser = new RecordStreamParser(maxRecordBytes);
  }

  /** Feeds one piece; returns the records it completed. */
  push(piece: Uint8Array): SealedRecord[] {
    this.#parser.feed(piece, {
      header: (header) => {
        this.#current = { header, sealed: new Uint8Array(header.length), filled: 0 };
      },
      data: (data) => {
        const current = this.#current;
        if (!current) return;
        current.sealed.set(data, current.filled);
        current.filled += data.length;
      },
      end: () => {
        const current = this.#current;
        if (!current) return;
        this.#done.push({
          sessionId: current.header.sessionId,
          counter: current.header.counter,
          sealed: current.sealed,
        });
        this.#current = undefined;
      },
    });
    const done = this.#done;
    this.#done = [];
    return done;
  }

  /** Throws STORE_CORRUPT when the data ended inside a record. */
  finish(): void {
    if (!this.#parser.atBoundary)
      throw new StoreError('STORE_CORRUPT', 'the stored records end in the middle of a record');
  }
}
