/**
 * One process per store directory: two writers appending to one log would interleave batches. The lock file holds
 * the owner's pid; a lock left by a dead process (SIGKILL) is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '../../protocol/store/errors.js';
import { systemCode } from './file-io.js';
import { LOCK_FILE } from './format.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return systemCode(error) === 'EPERM';
  }
}

/** Takes the directory's lock; returns its release. Throws STORE_LOCKED while a live process holds it. */
export async function lockStoreDirectory(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => unlink(path).catch(() => undefined);
    } catch (error) {
      if (systemCode(error) !== 'EEXIST') throw error;
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new StoreError(
        'STORE_LOCKED',
        `process ${pid} serves the store in ${dir}; stop it first (or remove ${path} if that pid is not a store)`,
        { details: { pid } },
      );
    }
    await unlink(path).catch(() => undefined);
  }
  throw new StoreError('STORE_LOCKED', `cannot take the lock ${path}: another process keeps taking it`);
}
