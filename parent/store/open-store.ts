/**
 * Opening a store directory: lock, leftovers of a crash, the log created atomically on first use, then a full scan
 * that truncates a torn last batch and refuses damaged data.
 */
import { type FileHandle, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../protocol/store/errors.js';
import { nodeFileOps, pathExists, type StoreFileOps, syncDirectory } from './file-io.js';
import { FileStore, type FileStoreOptions, fileStoreOptionsSchema } from './file-store.js';
import { encodeFileHeader, LOG_FILE, TEMP_SUFFIX } from './format.js';
import { ioError } from './io-error.js';
import { lockStoreDirectory } from './lock.js';
import { scanLog } from './scan.js';

/** Deletes temp files a crash left behind (a half-written compaction or seal key never counts). */
async function removeTempFiles(dir: string): Promise<void> {
  const stale = (await readdir(dir)).filter((name) => name.endsWith(TEMP_SUFFIX));
  for (const name of stale) await unlink(join(dir, name));
  if (stale.length > 0) await syncDirectory(dir);
}

async function createLog(dir: string, ops: StoreFileOps): Promise<void> {
  const temp = join(dir, LOG_FILE + TEMP_SUFFIX);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await ops.writev(handle, [encodeFileHeader()], 0);
    await ops.sync(handle);
  } finally {
    await handle.close();
  }
  await rename(temp, join(dir, LOG_FILE));
  await syncDirectory(dir);
}

/**
 * Opens (creating it if needed) the store in `dir`: takes its lock, deletes temp files, verifies the whole log,
 * and truncates a torn last batch. Throws STORE_CORRUPT when acknowledged data is damaged, STORE_LOCKED when
 * another process serves the directory.
 */
export async function openFileStore(dir: string, options: FileStoreOptions = {}): Promise<FileStore> {
  const parsed = fileStoreOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new StoreError(
      'STORE_OPTIONS_INVALID',
      `store options are invalid: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
    );
  }
  const ops: StoreFileOps = { ...nodeFileOps, ...options.fileOps };
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (!(await stat(dir)).isDirectory())
      throw new StoreError('STORE_OPTIONS_INVALID', `${dir} is not a directory`);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw ioError(`creating the store directory ${dir}`, error);
  }
  const release = await lockStoreDirectory(dir).catch((error: unknown) => {
    if (error instanceof StoreError) throw error;
    throw ioError(`locking ${dir}`, error);
  });
  let handle: FileHandle | undefined;
  try {
    await removeTempFiles(dir);
    if (!(await pathExists(join(dir, LOG_FILE)))) await createLog(dir, ops);
    handle = await open(join(dir, LOG_FILE), 'r+');
    const size = (await handle.stat()).size;
    const scan = await scanLog(handle, size);
    if (scan.tornBytes > 0) {
      await ops.truncate(handle, scan.end);
      await ops.sync(handle);
    }
    return new FileStore({
      dir,
      ops,
      options,
      release,
      handle,
      end: scan.end,
      batches: scan.batches,
      records: scan.records,
      sessions: scan.sessions,
      recoveredTornBytes: scan.tornBytes,
    });
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await release();
    if (error instanceof StoreError) throw error;
    throw ioError(`opening the store in ${dir}`, error);
  }
}
