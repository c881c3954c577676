/** `nitro-mpc store inspect`: metadata of a store directory, read-only. */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../protocol/store/errors.js';
import { pathExists } from './file-io.js';
import type { StoreSessionSummary } from './file-store.js';
import { LOG_FILE } from './format.js';
import { scanLog } from './scan.js';
import { readSealKeyFile, sealKeyExists } from './seal-key-file.js';

export interface StoreInspection {
  readonly dir: string;
  readonly logBytes: number;
  readonly batches: number;
  readonly records: number;
  readonly sealKey: boolean;
  /** Bytes after the last valid batch (a batch being written now, or torn by a crash). */
  readonly uncommittedBytes: number;
  readonly sessions: StoreSessionSummary[];
}

/** Reads the store's metadata without changing anything (safe while a server runs on it). */
export async function inspectStore(dir: string): Promise<StoreInspection> {
  const path = join(dir, LOG_FILE);
  const sealKey = await sealKeyExists(dir);
  if (!(await pathExists(path))) {
    if (!(await pathExists(dir)))
      throw new StoreError('STORE_OPTIONS_INVALID', `${dir} does not exist: no store there`);
    return { dir, logBytes: 0, batches: 0, records: 0, sealKey, uncommittedBytes: 0, sessions: [] };
  }
  const handle = await open(path, 'r');
  try {
    const scan = await scanLog(handle, (await handle.stat()).size);
    if (sealKey) await readSealKeyFile(dir); // verifies its checksum
    return {
      dir,
      logBytes: scan.end,
      batches: scan.batches,
      records: scan.records,
      sealKey,
      uncommittedBytes: scan.tornBytes,
      sessions: [...scan.sessions].map(([sessionId, usage]) => ({ sessionId, ...usage })),
    };
  } finally {
    await handle.close();
  }
}
