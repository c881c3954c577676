/** Runs the built `nitro-mpc` CLI as a real process. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve(import.meta.dirname, '../../dist/cli.js');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

export function runCli(
  args: readonly string[],
  input?: string | Uint8Array,
  env: Readonly<Record<string, string>> = {},
): CliRun {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 20_000,
  });
  return {
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    json<T>() {
      return JSON.parse(run.stdout) as T;
    },
  };
}
