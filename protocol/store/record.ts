/**
 * What the sealed store holds and promises. Records are opaque to the store: the enclave seals them (AES-GCM under a
 * KMS-released key) and the parent only keeps, lists and drops them.
 */
import { SESSION_ID_BYTES } from '../codec/schema.js';
import { StoreError } from './errors.js';

export interface SealedRecord {
  /** 32 bytes, the session id (public: SHA-256 of the manifest). */
  readonly sessionId: Uint8Array;
  /** The session's record counter (uint, set by the enclave). */
  readonly counter: number;
  /** Opaque AES-GCM output; the store never interprets it. */
  readonly sealed: Uint8Array;
}

export interface SealedStore {
  /** The KMS-encrypted seal-key blob stored earlier, or undefined on first start. */
  readSealKey(): Promise<Uint8Array | undefined>;
  /** Stores the blob durably; refuses with STORE_KEY_EXISTS if one is already stored. */
  writeSealKey(blob: Uint8Array): Promise<void>;
  /** Appends a batch durably (fsync'd before it resolves), in order, ALL OR NONE, whatever its size. */
  append(records: readonly SealedRecord[]): Promise<void>;
  /** Every stored record in append order (paged under the hood: memory bounded on both sides). */
  records(): AsyncIterable<SealedRecord>;
  /** Removes every record of a session (after its destruction): durable before it resolves. */
  dropSession(sessionId: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Largest sealed record: a PSI input is ~30 MB sealed; one record may take a whole batch. */
export const MAX_RECORD_BYTES = 1024 * 1024 * 1024;
/** Largest batch, counted in sealed bytes. */
export const MAX_BATCH_BYTES = 1024 * 1024 * 1024;
export const MAX_BATCH_RECORDS = 1024 * 1024;
/** Largest seal-key blob (a KMS ciphertext blob of a data key is a few hundred bytes). */
export const MAX_SEAL_KEY_BYTES = 64 * 1024;

/** Sizes of a batch about to be sent or written. */
export interface BatchSize {
  readonly count: number;
  readonly sealedBytes: number;
  /** The encoded size: every record's header plus its sealed bytes. */
  readonly bodyBytes: number;
}

/** Record header on the wire and on disk: session id, counter (u64 BE), sealed length (u32 BE). */
export const RECORD_HEADER_BYTES = SESSION_ID_BYTES + 8 + 4;

export function recordInvalid(index: number, why: string): StoreError {
  return new StoreError('STORE_RECORD_INVALID', `record ${index} of the batch ${why}`, {
    details: { index },
  });
}

/** Checks every record and the batch limits; throws STORE_RECORD_INVALID or STORE_BATCH_TOO_LARGE. */
export function checkBatch(records: readonly SealedRecord[]): BatchSize {
  if (!Array.isArray(records))
    throw new StoreError('STORE_RECORD_INVALID', 'append takes an array of sealed records');
  if (records.length > MAX_BATCH_RECORDS) {
    throw new StoreError(
      'STORE_BATCH_TOO_LARGE',
      `a batch holds at most ${MAX_BATCH_RECORDS} records; this one has ${records.length}: split it`,
      { details: { count: records.length, max: MAX_BATCH_RECORDS } },
    );
  }
  let sealedBytes = 0;
  records.forEach((record, index) => {
    if (!(record?.sessionId instanceof Uint8Array) || record.sessionId.length !== SESSION_ID_BYTES)
      throw recordInvalid(index, `has a session id that is not ${SESSION_ID_BYTES} bytes`);
    if (!Number.isSafeInteger(record.counter) || record.counter < 0)
      throw recordInvalid(index, 'has a counter that is not an unsigned safe integer');
    if (!(record.sealed instanceof Uint8Array) || record.sealed.length === 0)
      throw recordInvalid(index, 'has no sealed bytes');
    if (record.sealed.length > MAX_RECORD_BYTES)
      throw recordInvalid(index, `has ${record.sealed.length} sealed bytes, above ${MAX_RECORD_BYTES}`);
    sealedBytes += record.sealed.length;
  });
  if (sealedBytes > MAX_BATCH_BYTES) {
    throw new StoreError(
      'STORE_BATCH_TOO_LARGE',
      `a batch holds at most ${MAX_BATCH_BYTES} sealed bytes; this one has ${sealedBytes}: split it`,
      { details: { sealedBytes, max: MAX_BATCH_BYTES } },
    );
  }
  return {
    count: records.length,
    sealedBytes,
    bodyBytes: sealedBytes + records.length * RECORD_HEADER_BYTES,
  };
}

export function checkSealKeyBlob(blob: Uint8Array): void {
  if (!(blob instanceof Uint8Array) || blob.length === 0 || blob.length > MAX_SEAL_KEY_BYTES) {
    throw new StoreError('STORE_RECORD_INVALID', `a seal-key blob is 1 to ${MAX_SEAL_KEY_BYTES} bytes`, {
      details: { bytes: blob instanceof Uint8Array ? blob.length : undefined },
    });
  }
}

export function sessionHex(sessionId: Uint8Array): string {
  return Buffer.from(sessionId.buffer, sessionId.byteOffset, sessionId.byteLength).toString('hex');
}
