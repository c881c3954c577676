/**
 * The parent's append-only sealed store: one directory (0700) holding the batch log, the seal-key file and a lock.
 * Every write goes through one queue, so the log has one writer and one batch in flight: small appends that queue
 * while an fsync runs are written together as the next batch and acknowledged by the fsync that covers them (group
 * commit); an upload, a compaction or a seal-key write runs alone. A failed write is truncated away durably before
 * anything else is written, which is what lets a scan tell a torn tail from damaged data.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { StoreError } from '../../protocol/store/errors.js';
import {
  checkBatch,
  checkSealKeyBlob,
  type SealedRecord,
  type SealedStore,
  sessionHex,
} from '../../protocol/store/record.js';
import { RecordDecoder, RecordStreamParser, recordPieces } from '../../protocol/store/record-codec.js';
import { compactLog } from './compact.js';
import { CoalescingWriter, isNoSpace, type StoreFileOps, systemCode } from './file-io.js';
import { BATCH_OVERHEAD_BYTES, encodeBatchHeader, LOG_FILE } from './format.js';
import { withIdleTimeout } from './idle-timeout.js';
import { ioError } from './io-error.js';
import { LogSnapshotReader } from './log-reader.js';
import { addUsage, type SessionIndex } from './scan.js';
import { readSealKeyFile, writeSealKeyFile } from './seal-key-file.js';

export interface FileStoreOptions {
  /** Refuse appends that would grow the log beyond this many bytes (STORE_FULL). */
  readonly maxBytes?: number;
  /** Give up on an upload that sends nothing for this long (STORE_TIMEOUT; default 30 s). */
  readonly uploadIdleTimeoutMs?: number;
  /** Replaces file operations, for fault injection in tests. */
  readonly fileOps?: Partial<StoreFileOps>;
}

export interface FileStoreStats {
  readonly logBytes: number;
  readonly batches: number;
  readonly records: number;
  readonly sessions: number;
  /** Appends acknowledged, and the fsyncs that made them durable (fewer under concurrency: group commit). */
  readonly appends: number;
  readonly fsyncs: number;
  readonly compactions: number;
  /** Bytes of records the store holds in memory now (queued inline appends, upload write buffer); and the most. */
  readonly bufferedBytes: number;
  readonly peakBufferedBytes: number;
  /** Bytes of a torn last batch removed when the store was opened. */
  readonly recoveredTornBytes: number;
  /** Set after a failed fsync: the store refuses writes until it is restarted. */
  readonly failed: string | undefined;
}

export interface StoreSessionSummary {
  readonly sessionId: string;
  readonly records: number;
  readonly bytes: number;
}
export const fileStoreOptionsSchema = z.strictObject({
  maxBytes: z.number().int().positive().optional(),
  uploadIdleTimeoutMs: z.number().int().positive().max(3_600_000).optional(),
  fileOps: z.record(z.string(), z.unknown()).optional(),
});
/** Inline appends written together in one batch, at most. */
const GROUP_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_UPLOAD_IDLE_TIMEOUT_MS = 30_000;

interface Expected {
  readonly count: number;
  readonly bodyBytes: number;
}

interface InlineJob {
  readonly kind: 'inline';
  readonly pieces: readonly Uint8Array[];
  readonly count: number;
  readonly bytes: number;
  readonly sessions: SessionIndex;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface TaskJob {
  readonly kind: 'task';
  readonly run: () => Promise<void>;
}

type Job = InlineJob | TaskJob;

function closedError(): StoreError {
  return new StoreError('STORE_CLOSED', 'the sealed store is closed');
}

/** Any failure of an upload that is not the store's own: the sender or the connection went away. */
function uploadFailed(cause: unknown): StoreError {
  return new StoreError(
    'STORE_UNAVAILABLE',
    'the upload ended before its batch was complete; nothing of the batch was kept',
    { cause },
  );
}
export class FileStore implements SealedStore {
  readonly dir: string;
  readonly #ops: StoreFileOps;
  readonly #maxBytes: number | undefined;
  readonly #idleTimeoutMs: number;
  readonly #release: () => Promise<void>;
  readonly #sessions: SessionIndex;
  readonly #readers = new Set<LogSnapshotReader>();
  readonly #queue: Job[] = [];
  #handle: FileHandle;
  #end: number;
  #batches: number;
  #records: number;
  #draining = false;
  #closed = false;
  #failure: StoreError | undefined;
  #appends = 0;
  #fsyncs = 0;
  #compactions = 0;
  #buffered = 0;
  #peakBuffered = 0;
  readonly #recoveredTornBytes: number;

  constructor(state: {
    dir: string;
    ops: StoreFileOps;
    options: FileStoreOptions;
    release: () => Promise<void>;
    handle: FileHandle;
    end: number;
    batches: number;
    records: number;
    sessions: SessionIndex;
    recoveredTornBytes: number;
  }) {
    this.dir = state.dir;
    this.#ops = state.ops;
    this.#maxBytes = state.options.maxBytes;
    this.#idleTimeoutMs = state.options.uploadIdleTimeoutMs ?? DEFAULT_UPLOAD_IDLE_TIMEOUT_MS;
    this.#release = state.release;
    this.#handle = state.handle;
    this.#end = state.end;
    this.#batches = state.batches;
    this.#records = state.records;
    this.#sessions = state.sessions;
    this.#recoveredTornBytes = state.recoveredTornBytes;
  }

  stats(): FileStoreStats {
    return {
      logBytes: this.#end,
      batches: this.#batches,
      records: this.#records,
      sessions: this.#sessions.size,
      appends: this.#appends,
      fsyncs: this.#fsyncs,
      compactions: this.#compactions,
      bufferedBytes: this.#buffered,
      peakBufferedBytes: this.#peakBuffered,
      recoveredTornBytes: this.#recoveredTornBytes,
      failed: this.#failure?.message,
    };
  }

  /** Metadata only: each session's record count and sealed bytes. */
  sessions(): StoreSessionSummary[] {
    return [...this.#sessions].map(([sessionId, usage]) => ({ sessionId, ...usage }));
  }

  async readSealKey(): Promise<Uint8Array | undefined> {
    if (this.#closed) throw closedError();
    return readSealKeyFile(this.dir);
  }

  async writeSealKey(blob: Uint8Array): Promise<void> {
    checkSealKeyBlob(blob);
    return this.#task(async () => {
      this.#refuseIfFailed();
      try {
        await writeSealKeyFile(this.dir, blob, this.#ops);
      } catch (error) {
        if (error instanceof StoreError) throw error;
        if (isNoSpace(error)) throw await this.#fullError(blob.length, 'the file system');
        throw ioError('writing the seal key', error);
      }
    });
  }

  async append(records: readonly SealedRecord[]): Promise<void> {
    const size = checkBatch(records);
    if (size.count === 0) return;
    const sessions: SessionIndex = new Map();
    for (const record of records) addUsage(sessions, sessionHex(record.sessionId), 1, record.sealed.length);
    return this.#inline(recordPieces(records), size.count, size.bodyBytes, sessions);
  }

  /** Appends a batch already in the record encoding (an inline request); checks it first. */
  async appendEncoded(body: Uint8Array, expected: Expected): Promise<void> {
    const parser = new RecordStreamParser();
    const sessions: SessionIndex = new Map();
    parser.feed(body, {
      header: (record) => addUsage(sessions, sessionHex(record.sessionId), 1, record.length),
    });
    if (!parser.atBoundary || parser.records !== expected.count || body.length !== expected.bodyBytes) {
      throw new StoreError(
        'STORE_RECORD_INVALID',
        `the batch does not hold the ${expected.count} whole records its request announced`,
      );
    }
    return this.#inline([body], expected.count, body.length, sessions);
  }

  /**
   * Appends a batch arriving as a stream in the record encoding, written to the log as it arrives (memory stays at
   * one write buffer). It counts only once its trailer is written and synced. `abort` stops the source on timeout.
   */
  appendStream(
    source: AsyncIterable<Uint8Array>,
    expected: Expected,
    abort: (error: Error) => void = () => undefined,
  ): Promise<void> {
    return this.#task(() => this.#writeStream(source, expected, abort));
  }

  async *records(): AsyncGenerator<SealedRecord> {
    const reader = await this.openReader();
    const decoder = new RecordDecoder();
    try {
      while (true) {
        const page = await reader.read(1024 * 1024);
        yield* decoder.push(page.data);
        if (page.done) break;
      }
      decoder.finish();
    } finally {
      await reader.close();
    }
  }

  /** A snapshot of the committed log, read through its own descriptor. */
  openReader(): Promise<LogSnapshotReader> {
    return this.#task(async () => {
      const handle = await open(join(this.dir, LOG_FILE), 'r');
      const reader = new LogSnapshotReader(handle, this.#end, () => this.#readers.delete(reader));
      this.#readers.add(reader);
      return reader;
    });
  }

  dropSession(sessionId: Uint8Array): Promise<void> {
    if (!(sessionId instanceof Uint8Array) || sessionId.length !== 32)
      return Promise.reject(new StoreError('STORE_REQUEST_INVALID', 'a session id is 32 bytes'));
    const session = sessionHex(sessionId);
    return this.#task(async () => {
      this.#refuseIfFailed();
      if (!this.#sessions.has(session)) return;
      await this.#compact(session);
    });
  }

  /** Waits for queued work, then closes the log and releases the directory. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const queued = this.#task(async () => undefined);
    this.#closed = true; // what comes after this call is refused; what came before finishes
    await queued.catch(() => undefined);
    await Promise.all([...this.#readers].map((reader) => reader.close()));
    await this.#handle.close().catch(() => undefined);
    await this.#release();
  }

  #refuseIfFailed(): void {
    if (this.#failure) throw this.#failure;
  }

  #fail(what: string, cause: unknown): StoreError {
    this.#failure ??= new StoreError(
      'STORE_IO',
      `${what} failed (${systemCode(cause) ?? 'error'}); the store refuses writes until it is restarted, which verifies the log`,
      { cause },
    );
    return this.#failure;
  }

  #noteBuffered(delta: number): void {
    this.#buffered += delta;
    this.#peakBuffered = Math.max(this.#peakBuffered, this.#buffered);
  }

  #task<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.#enqueue({ kind: 'task', run: () => run().then(resolve, reject) });
    });
  }

  #inline(
    pieces: readonly Uint8Array[],
    count: number,
    bytes: number,
    sessions: SessionIndex,
  ): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    this.#noteBuffered(bytes);
    return new Promise<void>((resolve, reject) => {
      this.#enqueue({ kind: 'inline', pieces, count, bytes, sessions, resolve, reject });
    }).finally(() => this.#noteBuffered(-bytes));
  }

  #enqueue(job: Job): void {
    this.#queue.push(job);
    if (!this.#draining) void this.#drain();
  }

  /** Runs the queue: consecutive inline appends as one batch each round, everything else alone. */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const head = this.#queue[0] as Job;
        if (head.kind === 'task') {
          this.#queue.shift();
          await head.run();
          continue;
        }
        const group: InlineJob[] = [];
        let bytes = 0;
        for (let next = this.#queue[0]; next?.kind === 'inline'; next = this.#queue[0]) {
          if (group.length > 0 && bytes + next.bytes > GROUP_MAX_BYTES) break;
          group.push(next);
          bytes += next.bytes;
          this.#queue.shift();
        }
        await this.#commitGroup(group);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #commitGroup(group: readonly InlineJob[]): Promise<void> {
    if (this.#failure) {
      for (const job of group) job.reject(this.#failure);
      return;
    }
    const accepted: InlineJob[] = [];
    let body = 0;
    for (const job of group) {
      const room = this.#roomLeft(BATCH_OVERHEAD_BYTES + body);
      if (job.bytes > room) job.reject(this.#quotaError(BATCH_OVERHEAD_BYTES + job.bytes));
      else {
        accepted.push(job);
        body += job.bytes;
      }
    }
    if (accepted.length === 0) return;
    const header = encodeBatchHeader({ records: accepted.reduce((n, j) => n + j.count, 0), bodyBytes: body });
    const hash = createHash('sha256').update(header);
    const buffers: Uint8Array[] = [header];
    for (const job of accepted) {
      for (const piece of job.pieces) {
        hash.update(piece);
        buffers.push(piece);
      }
    }
    buffers.push(hash.digest());
    const size = BATCH_OVERHEAD_BYTES + body;
    try {
      await this.#ops.writev(this.#handle, buffers, this.#end);
    } catch (error) {
      const failure = await this.#undo(error, size);
      for (const job of accepted) job.reject(failure);
      return;
    }
    try {
      await this.#sync();
    } catch (error) {
      const failure = this.#fail('syncing the log', error);
      for (const job of accepted) job.reject(failure);
      return;
    }
    this.#committed(size, accepted);
    for (const job of accepted) job.resolve();
  }

  async #writeStream(
    source: AsyncIterable<Uint8Array>,
    expected: Expected,
    abort: (error: Error) => void,
  ): Promise<void> {
    this.#refuseIfFailed();
    const size = BATCH_OVERHEAD_BYTES + expected.bodyBytes;
    if (size > this.#roomLeft(0)) {
      const error = this.#quotaError(size);
      abort(error);
      throw error;
    }
    const header = encodeBatchHeader({ records: expected.count, bodyBytes: expected.bodyBytes });
    const hash = createHash('sha256').update(header);
    const parser = new RecordStreamParser();
    const sessions: SessionIndex = new Map();
    const out = new CoalescingWriter(this.#handle, this.#ops, this.#end);
    this.#noteBuffered(out.bufferBytes);
    try {
      await out.write(header);
      let received = 0;
      for await (const piece of withIdleTimeout(source, this.#idleTimeoutMs, abort)) {
        received += piece.length;
        if (received > expected.bodyBytes) {
          throw new StoreError(
            'STORE_RECORD_INVALID',
            `the upload is longer than the ${expected.bodyBytes} bytes its request announced`,
          );
        }
        parser.feed(piece, {
          header: (record) => addUsage(sessions, sessionHex(record.sessionId), 1, record.length),
        });
        hash.update(piece);
        await out.write(piece);
      }
      if (received !== expected.bodyBytes || !parser.atBoundary || parser.records !== expected.count) {
        throw new StoreError(
          'STORE_RECORD_INVALID',
          `the upload does not hold the ${expected.count} whole records (${expected.bodyBytes} bytes) its request announced`,
        );
      }
      await out.write(hash.digest());
      await out.flush();
    } catch (error) {
      abort(error as Error);
      throw await this.#undo(error, size);
    } finally {
      this.#noteBuffered(-out.bufferBytes);
    }
    try {
      await this.#sync();
    } catch (error) {
      throw this.#fail('syncing the log', error);
    }
    this.#committed(size, [{ count: expected.count, sessions }]);
  }

  #committed(size: number, jobs: ReadonlyArray<{ count: number; sessions: SessionIndex }>): void {
    this.#end += size;
    this.#batches += 1;
    for (const job of jobs) {
      this.#records += job.count;
      this.#appends += 1;
      for (const [session, usage] of job.sessions)
        addUsage(this.#sessions, session, usage.records, usage.bytes);
    }
  }

  async #sync(): Promise<void> {
    this.#fsyncs += 1;
    await this.#ops.sync(this.#handle);
  }

  /** Truncates a failed batch away (durably) and says why it failed. */
  async #undo(error: unknown, needed: number): Promise<StoreError> {
    try {
      await this.#ops.truncate(this.#handle, this.#end);
      await this.#sync();
    } catch (cause) {
      return this.#fail('removing a failed batch from the log', cause);
    }
    if (error instanceof StoreError) return error;
    if (isNoSpace(error)) return this.#fullError(needed, 'the file system');
    if (systemCode(error) !== undefined) return ioError('writing the log', error);
    return uploadFailed(error);
  }

  #roomLeft(used: number): number {
    return this.#maxBytes === undefined ? Number.POSITIVE_INFINITY : this.#maxBytes - this.#end - used;
  }

  #quotaError(needed: number): StoreError {
    const left = Math.max(0, this.#roomLeft(0));
    return new StoreError(
      'STORE_FULL',
      `the store is full: the batch needs ${needed} bytes and ${left} of the ${this.#maxBytes}-byte quota are left; drop destroyed sessions or raise --max-bytes`,
      { details: { needed, left, maxBytes: this.#maxBytes } },
    );
  }

  async #fullError(needed: number, where: string): Promise<StoreError> {
    const free = await statfs(this.dir)
      .then((s) => s.bavail * s.bsize)
      .catch(() => undefined);
    return new StoreError(
      'STORE_FULL',
      `the disk is full: the write needs ${needed} bytes and ${where} has ${free ?? 'an unknown number of'} bytes free; nothing of it was kept; free space and retry`,
      { details: { needed, free } },
    );
  }

  async #compact(session: string): Promise<void> {
    let result: Awaited<ReturnType<typeof compactLog>>;
    try {
      result = await compactLog(this.dir, this.#handle, this.#end, session, this.#ops);
    } catch (error) {
      if (error instanceof StoreError && error.details?.['afterRename'] === true)
        throw this.#fail('syncing the directory after compaction', error);
      if (error instanceof StoreError) throw error;
      if (isNoSpace(error)) throw await this.#fullError(this.#end, 'compaction (a copy of the log)');
      throw ioError('compacting the log', error);
    }
    const previous = this.#handle;
    try {
      this.#handle = await open(join(this.dir, LOG_FILE), 'r+');
    } catch (error) {
      throw this.#fail('reopening the compacted log', error);
    }
    await previous.close().catch(() => undefined);
    const dropped = this.#sessions.get(session);
    this.#sessions.delete(session);
    this.#records -= dropped?.records ?? 0;
    this.#batches = result.batches;
    this.#end = result.size;
    this.#compactions += 1;
  }
}
