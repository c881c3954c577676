/**
 * The seal-key blob (the KMS ciphertext of the enclave's data key) in its own file, written once and atomically:
 * temp file, fsync, rename, fsync of the directory. A checksum lets a damaged file be told from a wrong key.
 *
 *   "NMSK" | version u16 | 0 u16 | length u32 | SHA-256 of the blob (32) | blob
 */
import { createHash } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../protocol/store/errors.js';
import { MAX_SEAL_KEY_BYTES } from '../../protocol/store/record.js';
import { type StoreFileOps, syncDirectory, systemCode } from './file-io.js';
import { SEAL_KEY_FILE, TEMP_SUFFIX } from './format.js';

const MAGIC = Buffer.from('NMSK', 'latin1');
const HEADER_BYTES = 44;

function corrupt(why: string): StoreError {
  return new StoreError('STORE_CORRUPT', `the seal-key file is damaged (${why}); restore it from a copy`);
}

export async function sealKeyExists(dir: string): Promise<boolean> {
  try {
    await stat(join(dir, SEAL_KEY_FILE));
    return true;
  } catch (error) {
    if (systemCode(error) === 'ENOENT') return false;
    throw error;
  }
}

export async function readSealKeyFile(dir: string): Promise<Uint8Array | undefined> {
  const path = join(dir, SEAL_KEY_FILE);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    if (systemCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  if (info.size > HEADER_BYTES + MAX_SEAL_KEY_BYTES) throw corrupt('it is larger than any seal key');
  const file = await readFile(path);
  if (file.length < HEADER_BYTES || !file.subarray(0, 4).equals(MAGIC)) throw corrupt('bad header');
  const length = file.readUInt32BE(8);
  const blob = file.subarray(HEADER_BYTES);
  if (blob.length !== length) throw corrupt('its length does not match');
  if (!createHash('sha256').update(blob).digest().equals(file.subarray(12, 44)))
    throw corrupt('its checksum does not match');
  return new Uint8Array(blob);
}

/** Writes the blob once; STORE_KEY_EXISTS when a key is there. The caller serializes calls. */
export async function writeSealKeyFile(dir: string, blob: Uint8Array, ops: StoreFileOps): Promise<void> {
  if (await sealKeyExists(dir)) {
    throw new StoreError(
      'STORE_KEY_EXISTS',
      'a seal key is already stored; it is written once (read it with readSealKey)',
    );
  }
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt16BE(1, 4);
  header.writeUInt32BE(blob.length, 8);
  createHash('sha256').update(blob).digest().copy(header, 12);
  const temp = join(dir, SEAL_KEY_FILE + TEMP_SUFFIX);
  await unlink(temp).catch(() => undefined);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await ops.writev(handle, [header, blob], 0);
    await ops.sync(handle);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temp, join(dir, SEAL_KEY_FILE));
  await syncDirectory(dir);
}
