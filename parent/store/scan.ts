/**
 * Reads a whole log and decides what it holds. Every batch is verified (header check, record structure, trailer).
 * A damaged batch with no valid batch anywhere after it is a torn tail: the store writes one batch per fsync and
 * truncates failed ones durably, so at most the last batch can be half-written, and nothing after it was ever
 * acknowledged. A damaged batch FOLLOWED by a valid one is corruption of acknowledged data: STORE_CORRUPT.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { StoreError } from '../../protocol/store/errors.js';
import { MAX_BATCH_RECORDS, sessionHex } from '../../protocol/store/record.js';
import { RecordStreamParser } from '../../protocol/store/record-codec.js';
import { MAX_BODY_BYTES } from '../../protocol/store/wire.js';
import { WindowedReader } from './file-io.js';
import {
  BATCH_HEADER_BYTES,
  BATCH_MAGIC,
  BATCH_TRAILER_BYTES,
  batchBytes,
  decodeBatchHeader,
  FILE_HEADER_BYTES,
  fileHeaderProblem,
} from './format.js';

/** Records and sealed bytes one session has in the log. */
export interface SessionUsage {
  records: number;
  bytes: number;
}

export type SessionIndex = Map<string, SessionUsage>;

export interface LogScan {
  /** Where the last valid batch ends: the committed length. */
  readonly end: number;
  readonly batches: number;
  readonly records: number;
  readonly sessions: SessionIndex;
  /** Bytes after `end` that are no valid batch (a torn last batch). */
  readonly tornBytes: number;
  readonly tornReason: string | undefined;
}

type BatchCheck =
  | { readonly ok: true; readonly end: number; readonly records: number; readonly sessions: SessionIndex }
  | { readonly ok: false; readonly reason: string };

export function addUsage(index: SessionIndex, session: string, records: number, bytes: number): void {
  const usage = index.get(session);
  if (usage) {
    usage.records += records;
    usage.bytes += bytes;
  } else index.set(session, { records, bytes });
}

function corrupt(message: string, details: Record<string, unknown>): StoreError {
  return new StoreError('STORE_CORRUPT', message, { details });
}

/** Verifies the batch at `position`; throws STORE_CORRUPT when its checksum holds but its content does not. */
export async function checkBatchAt(reader: WindowedReader, position: number): Promise<BatchCheck> {
  const size = reader.end;
  reader.seek(position);
  const raw = await reader.exact(BATCH_HEADER_BYTES);
  if (!raw) return { ok: false, reason: 'the batch header is cut short' };
  const headerBytes = Buffer.from(raw);
  const header = decodeBatchHeader(headerBytes);
  if (typeof header === 'string') return { ok: false, reason: header };
  if (header.records === 0 || header.records > MAX_BATCH_RECORDS || header.bodyBytes > MAX_BODY_BYTES)
    return { ok: false, reason: 'the batch header announces an impossible size' };
  const end = position + batchBytes(header);
  if (end > size) return { ok: false, reason: 'the batch runs past the end of the file' };
  const hash = createHash('sha256').update(headerBytes);
  const parser = new RecordStreamParser();
  const sessions: SessionIndex = new Map();
  let current = '';
  let structure: string | undefined;
  for await (const piece of reader.pieces(header.bodyBytes)) {
    hash.update(piece);
    if (structure !== undefined) continue;
    try {
      parser.feed(piece, {
        header: (record) => {
          current = sessionHex(record.sessionId);
          addUsage(sessions, current, 1, record.length);
        },
      });
    } catch (error) {
      structure = (error as Error).message;
    }
  }
  const trailer = await reader.exact(BATCH_TRAILER_BYTES);
  if (!trailer?.equals(hash.digest())) return { ok: false, reason: 'the batch checksum does not match' };
  if (structure === undefined && !parser.atBoundary) structure = 'the body ends inside a record';
  if (structure === undefined && parser.records !== header.records)
    structure = `the body holds ${parser.records} records, the header says ${header.records}`;
  if (structure !== undefined) {
    throw corrupt(`the batch at byte ${position} has a valid checksum but invalid records: ${structure}`, {
      offset: position,
    });
  }
  return { ok: true, end, records: header.records, sessions };
}

/** The position of the first valid batch at or after `from`, if any (searched by its magic). */
async function nextValidBatch(handle: FileHandle, from: number, size: number): Promise<number | undefined> {
  const reader = new WindowedReader(handle, from, size);
  const checker = new WindowedReader(handle, from, size);
  const overlap = BATCH_MAGIC.length - 1;
  let base = from;
  while (base < size) {
    reader.seek(base);
    const piece = Buffer.from(await reader.upTo(reader.windowBytes));
    let at = piece.indexOf(BATCH_MAGIC);
    while (at !== -1) {
      const check = await checkBatchAt(checker, base + at).catch(() => ({ ok: true }) as const);
      if (check.ok) return base + at;
      at = piece.indexOf(BATCH_MAGIC, at + 1);
    }
    if (piece.length <= overlap) break;
    base += piece.length - overlap;
  }
  return undefined;
}

/** Scans the log of `size` bytes; throws STORE_CORRUPT for anything but a torn tail. */
export async function scanLog(handle: FileHandle, size: number): Promise<LogScan> {
  const head = Buffer.alloc(FILE_HEADER_BYTES);
  await handle.read(head, 0, FILE_HEADER_BYTES, 0);
  const problem = size < FILE_HEADER_BYTES ? 'the file is shorter than its header' : fileHeaderProblem(head);
  if (problem !== undefined) throw corrupt(`the store log is unreadable: ${problem}`, { offset: 0 });
  const sessions: SessionIndex = new Map();
  let position = FILE_HEADER_BYTES;
  let batches = 0;
  let records = 0;
  const reader = new WindowedReader(handle, position, size);
  while (position < size) {
    const check = await checkBatchAt(reader, position);
    if (!check.ok) {
      const next = await nextValidBatch(handle, position + 1, size);
      if (next !== undefined) {
        throw corrupt(
          `the batch at byte ${position} is damaged (${check.reason}) but a valid batch follows at byte ${next}: acknowledged data was damaged; restore the store directory from a copy`,
          { offset: position, reason: check.reason, nextValidBatch: next },
        );
      }
      return {
        end: position,
        batches,
        records,
        sessions,
        tornBytes: size - position,
        tornReason: check.reason,
      };
    }
    for (const [session, usage] of check.sessions) addUsage(sessions, session, usage.records, usage.bytes);
    batches += 1;
    records += check.records;
    position = check.end;
  }
  return { end: position, batches, records, sessions, tornBytes: 0, tornReason: undefined };
}
