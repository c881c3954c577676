/**
 * The log file's layout. A 16-byte file header, then batches:
 *
 *   header  (24)  magic "NMSB" | version u16 | flags u16 | records u32 | body bytes u64 | check u32
 *   body          the record encoding (protocol/store/record-codec)
 *   trailer (32)  SHA-256 over header and body
 *
 * The header's own check (the first 4 bytes of SHA-256 over its first 20 bytes) lets a scan trust the length
 * before reading the body; the trailer makes the batch all or none: a batch without its trailer never counts.
 */
import { createHash } from 'node:crypto';

export const FILE_MAGIC = Buffer.from('NMPCSLOG', 'latin1');
export const FILE_VERSION = 1;
export const FILE_HEADER_BYTES = 16;

export const BATCH_MAGIC = Buffer.from('NMSB', 'latin1');
export const BATCH_VERSION = 1;
export const BATCH_HEADER_BYTES = 24;
export const BATCH_TRAILER_BYTES = 32;
export const BATCH_OVERHEAD_BYTES = BATCH_HEADER_BYTES + BATCH_TRAILER_BYTES;

export const LOG_FILE = 'store.log';
export const SEAL_KEY_FILE = 'seal-key';
export const LOCK_FILE = 'store.lock';
/** Temporary files: a crash may leave them; opening the store deletes them. */
export const TEMP_SUFFIX = '.tmp';

export function encodeFileHeader(): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  FILE_MAGIC.copy(header, 0);
  header.writeUInt32BE(FILE_VERSION, 8);
  return header;
}

export function fileHeaderProblem(header: Buffer): string | undefined {
  if (header.length < FILE_HEADER_BYTES) return 'the file is shorter than its header';
  if (!header.subarray(0, 8).equals(FILE_MAGIC)) return 'it is not a nitro-mpc store log (bad magic)';
  const version = header.readUInt32BE(8);
  if (version !== FILE_VERSION) return `its format version ${version} is not ${FILE_VERSION}`;
  return undefined;
}

export interface BatchHeader {
  readonly records: number;
  readonly bodyBytes: number;
}

function headerCheck(bytes: Buffer): number {
  return createHash('sha256').update(bytes.subarray(0, 20)).digest().readUInt32BE(0);
}

export function encodeBatchHeader({ records, bodyBytes }: BatchHeader): Buffer {
  const header = Buffer.alloc(BATCH_HEADER_BYTES);
  BATCH_MAGIC.copy(header, 0);
  header.writeUInt16BE(BATCH_VERSION, 4);
  header.writeUInt32BE(records, 8);
  header.writeBigUInt64BE(BigInt(bodyBytes), 12);
  header.writeUInt32BE(headerCheck(header), 20);
  return header;
}

/** The header's fields, or why it is not a valid batch header. */
export function decodeBatchHeader(bytes: Buffer): BatchHeader | string {
  if (bytes.length < BATCH_HEADER_BYTES) return 'the batch header is cut short';
  if (!bytes.subarray(0, 4).equals(BATCH_MAGIC)) return 'no batch magic';
  if (bytes.readUInt32BE(20) !== headerCheck(bytes)) return 'the batch header fails its check';
  if (bytes.readUInt16BE(4) !== BATCH_VERSION) return `batch version ${bytes.readUInt16BE(4)} is unknown`;
  const body = bytes.readBigUInt64BE(12);
  if (body > BigInt(Number.MAX_SAFE_INTEGER)) return 'the batch body length is impossible';
  return { records: bytes.readUInt32BE(8), bodyBytes: Number(body) };
}

export function batchBytes(header: BatchHeader): number {
  return BATCH_OVERHEAD_BYTES + header.bodyBytes;
}
