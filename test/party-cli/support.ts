/** A scratch directory, the enclave process, and the CLI flags every session command takes. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derToPem } from '../../attestation/index.js';
import type { RunningEnclave } from '../../simulator/enclave-process.js';
import { type CliRun, runCli } from '../helpers/cli.js';

export interface Workspace {
  readonly dir: string;
  readonly root: string;
  path(name: string): string;
  /** `session <verb>` for `party` with this workspace's manifest file, endpoint and root. */
  session(verb: string, party: string, manifest: string, ...extra: string[]): CliRun;
}

export function workspace(enclave: RunningEnclave): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-party-cli-'));
  const root = join(dir, 'root.pem');
  writeFileSync(root, derToPem(enclave.root));
  const path = (name: string) => join(dir, name);
  return {
    dir,
    root,
    path,
    session: (verb, party, manifest, ...extra) =>
      runCli([
        'session',
        verb,
        '--manifest',
        path(manifest),
        '--key',
        path(`${party}.key`),
        '--endpoint',
        enclave.address,
        '--root',
        root,
        '--json',
        ...extra,
      ]),
  };
}

/** The manifest's `--pcr` flags for the enclave under test. */
export function pcrFlags(pcrs: readonly { index: number; allowed: readonly string[] }[]): string[] {
  return pcrs.flatMap((p) => p.allowed.flatMap((v) => ['--pcr', `${p.index}=${v}`]));
}

/** Fails with the CLI's own words, so a broken step says why. */
export function ok(run: CliRun): CliRun {
  if (run.status !== 0) throw new Error(`exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  return run;
}
