import { execFileSync, spawnSync } from 'node:child_process';

/** True when an `openssl` binary answers; the interop tests are skipped without one. */
export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Runs openssl; returns stdout, or throws with its stderr. */
export function openssl(args: readonly string[]): Buffer {
  return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}
