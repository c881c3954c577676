import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KmsSimulatorError } from './errors.js';

/**
 * The simulator's state is secret (credentials, key material): directories 0700, files 0600, written whole to a
 * temporary name and renamed, so that a crash never leaves half a key behind.
 */
export function ensurePrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

export function writePrivateFile(path: string, text: string): void {
  ensurePrivateDirectory(dirname(path));
  const temporary = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}

/** The file's JSON, or undefined when there is no file. A file that is there but unreadable is an error. */
export function readJsonFile(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new KmsSimulatorError(
      'KMS_SIM_STATE_INVALID',
      `KMS simulator state file ${path} is not readable JSON; remove the state directory to start afresh`,
      { cause },
    );
  }
}
