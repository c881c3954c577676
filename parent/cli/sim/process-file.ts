import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SimProcessError } from './errors.js';

/** What `sim start` prints and `sim serve` records: how to reach the running simulation. */
export const simInfoSchema = z.strictObject({
  kmsEndpoint: z.string().url(),
  region: z.string(),
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  /** The role these credentials act as: what key policies name (e.g. `nitro-mpc kms policy --enclave-role`). */
  principalArn: z.string(),
  rootCertificate: z.string(),
  stateDir: z.string(),
});
export type SimInfo = z.infer<typeof simInfoSchema>;

const processFileSchema = z.strictObject({ pid: z.int().positive(), info: simInfoSchema });
type ProcessFile = z.infer<typeof processFileSchema>;

export function processFilePath(stateDir: string): string {
  return join(stateDir, 'sim.json');
}

export function logFilePath(stateDir: string): string {
  return join(stateDir, 'sim.log');
}

/** Written atomically and 0600: it holds the simulator's secret access key. */
export function writeProcessFile(stateDir: string, file: ProcessFile): void {
  const path = processFilePath(stateDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function readProcessFile(stateDir: string): ProcessFile | undefined {
  const path = processFilePath(stateDir);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new SimProcessError('SIM_STATE_INVALID', `${path} is not JSON; remove it or run \`sim reset\``, {
      cause,
    });
  }
  const result = processFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new SimProcessError(
      'SIM_STATE_INVALID',
      `${path} is not a simulator process file; run \`sim reset\``,
    );
  }
  return result.data;
}

export function removeProcessFile(stateDir: string, pid?: number): void {
  const current = readProcessFileQuietly(stateDir);
  if (pid === undefined || current?.pid === pid) rmSync(processFilePath(stateDir), { force: true });
}

function readProcessFileQuietly(stateDir: string): ProcessFile | undefined {
  try {
    return readProcessFile(stateDir);
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running simulation of `stateDir`, or undefined (a stale file from a killed process is ignored). */
export function runningSimulation(stateDir: string): ProcessFile | undefined {
  const file = readProcessFile(stateDir);
  return file && isAlive(file.pid) ? file : undefined;
}
