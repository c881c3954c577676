/**
 * Rewrites the log without one session's records: a new file beside the log, fsync, rename over the log, fsync of
 * the directory. A crash leaves the old log (the temp file is deleted on open) or the new one, never a mix. Every
 * source batch is verified again while it is copied; a batch left empty disappears.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../protocol/store/errors.js';
import { RECORD_HEADER_BYTES, sessionHex } from '../../protocol/store/record.js';
import { encodeRecordHeader, RecordStreamParser } from '../../protocol/store/record-codec.js';
import { CoalescingWriter, type StoreFileOps, syncDirectory, WindowedReader } from './file-io.js';
import {
  BATCH_HEADER_BYTES,
  BATCH_TRAILER_BYTES,
  batchBytes,
  decodeBatchHeader,
  encodeBatchHeader,
  encodeFileHeader,
  FILE_HEADER_BYTES,
  LOG_FILE,
  TEMP_SUFFIX,
} from './format.js';

export const COMPACT_TEMP_FILE = `${LOG_FILE}.compact${TEMP_SUFFIX}`;

export interface CompactionResult {
  readonly size: number;
  readonly batches: number;
}

function damaged(at: number): StoreError {
  return new StoreError(
    'STORE_CORRUPT',
    `compaction found the batch at byte ${at} damaged; the log was left as it was`,
    { details: { offset: at } },
  );
}

/** Records of the batch at the reader's position that do not belong to `drop`: count and encoded bytes. */
async function keptSize(reader: WindowedReader, bodyBytes: number, drop: string): Promise<[number, number]> {
  const end = reader.position + bodyBytes;
  let records = 0;
  let bytes = 0;
  while (reader.position < end) {
    const header = await reader.exact(RECORD_HEADER_BYTES);
    if (!header) throw damaged(reader.position);
    const length = header.readUInt32BE(RECORD_HEADER_BYTES - 4);
    if (sessionHex(header.subarray(0, 32)) !== drop) {
      records += 1;
      bytes += RECORD_HEADER_BYTES + length;
    }
    reader.skip(length);
  }
  return [records, bytes];
}

/** Writes the compacted log of `[0, end)` of `source` to a temp file and renames it over the log. */
export async function compactLog(
  dir: string,
  source: FileHandle,
  end: number,
  drop: string,
  ops: StoreFileOps,
): Promise<CompactionResult> {
  const temp = join(dir, COMPACT_TEMP_FILE);
  await unlink(temp).catch(() => undefined);
  const target = await open(temp, 'wx', 0o600);
  let batches = 0;
  try {
    const out = new CoalescingWriter(target, ops, 0);
    await out.write(encodeFileHeader());
    const reader = new WindowedReader(source, FILE_HEADER_BYTES, end);
    while (reader.position < end) {
      const at = reader.position;
      const raw = await reader.exact(BATCH_HEADER_BYTES);
      const header = raw ? decodeBatchHeader(Buffer.from(raw)) : 'cut short';
      if (typeof header === 'string' || at + batchBytes(header) > end) throw damaged(at);
      const [records, bodyBytes] = await keptSize(reader, header.bodyBytes, drop);
      reader.seek(at);
      const sourceHash = createHash('sha256');
      const keptHash = createHash('sha256');
      const newHeader = encodeBatchHeader({ records, bodyBytes });
      if (records > 0) {
        keptHash.update(newHeader);
        await out.write(newHeader);
      }
      sourceHash.update((await reader.exact(BATCH_HEADER_BYTES)) ?? Buffer.alloc(0));
      const parser = new RecordStreamParser();
      let keep = false;
      const pending: Uint8Array[] = [];
      for await (const piece of reader.pieces(header.bodyBytes)) {
        sourceHash.update(piece);
        if (records === 0) continue;
        parser.feed(piece, {
          header: (record) => {
            keep = sessionHex(record.sessionId) !== drop;
            if (keep) pending.push(encodeRecordHeader(record));
          },
          // A view of the reader's window, written out before the window moves on.
          data: (data) => {
            if (keep) pending.push(data);
          },
        });
        for (const kept of pending) {
          keptHash.update(kept);
          await out.write(kept);
        }
        pending.length = 0;
      }
      const trailer = await reader.exact(BATCH_TRAILER_BYTES);
      if (!trailer?.equals(sourceHash.digest())) throw damaged(at);
      if (records > 0) {
        await out.write(keptHash.digest());
        batches += 1;
      }
    }
    await out.flush();
    await ops.sync(target);
    await target.close();
    await rename(temp, join(dir, LOG_FILE));
  } catch (error) {
    await target.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    await syncDirectory(dir).catch(() => undefined);
    throw error;
  }
  try {
    await syncDirectory(dir);
  } catch (cause) {
    throw new StoreError('STORE_IO', 'the compacted log is in place but the directory could not be synced', {
      cause,
      details: { afterRename: true },
    });
  }
  return { size: await sizeOf(dir), batches };
}

async function sizeOf(dir: string): Promise<number> {
  return (await stat(join(dir, LOG_FILE))).size;
}
