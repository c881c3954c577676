/**
 * Runs the enclave bundle (`npm run build:enclave`) as a real process in simulator mode, listening on a unix
 * socket, with the simulated NSM measuring that bundle: what tests and benchmarks talk to.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createSimulatedNsm } from './nsm/index.js';

export const ENCLAVE_BUNDLE = resolve(import.meta.dirname, '../dist/enclave/main.mjs');

/**
 * Node flags the enclave runs with, here as in Dockerfile.enclave's ENTRYPOINT (a test keeps them the same). A
 * 64 MiB young generation: under a burst of inputs every scavenge copies the inputs still in flight, and with
 * the default size it ran five times as often; the enclave used about a sixth less CPU per input with it.
 */
export const ENCLAVE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/** Rebuilds `ENCLAVE_BUNDLE` from the sources (`scripts/bundle.mjs`), so what runs is never a stale build. */
export function buildEnclaveBundle(): void {
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../scripts/bundle.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export interface FunctionInfo {
  readonly id: string;
  readonly version: string;
  readonly measurement: string;
}

/** The functions and measurements of the built enclave, as a party drafting a manifest learns them. */
export function enclaveFunctions(): FunctionInfo[] {
  return JSON.parse(
    execFileSync(process.execPath, [ENCLAVE_BUNDLE, '--list-functions'], { encoding: 'utf8' }),
  );
}

/** The `function` pin of a manifest for `id`, with the measurement of the built enclave. */
export function measurementOf(id: string): FunctionInfo {
  const found = enclaveFunctions().find((f) => f.id === id);
  if (!found) throw new Error(`the enclave has no function ${id}`);
  return { id: found.id, version: found.version, measurement: found.measurement };
}

export interface RunningEnclave {
  readonly address: string;
  readonly stateDir: string;
  readonly child: ChildProcess;
  /** The simulator root parties trust, and the PCRs a party computes by measuring the same bundle. */
  readonly pid: number;
  readonly root: Uint8Array;
  readonly pcrs: { index: number; allowed: string[] }[];
  output(): string;
  stop(): Promise<void>;
}

/** Starts the bundle; resolves once it reports it is ready. */
export interface StartEnclaveOptions {
  /** A simulation's state directory to share (e.g. with `nitro-mpc sim start`); default a fresh one, removed on stop. */
  readonly stateDir?: string;
  /** Extra environment for the enclave process (e.g. its KMS endpoint and credentials). */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startEnclave(options: StartEnclaveOptions = {}): Promise<RunningEnclave> {
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'nitro-mpc-enclave-'));
  const address = `unix://${join(stateDir, 'enclave.sock')}`;
  // Extra node flags for the enclave process only (e.g. `--cpu-prof` to profile it under a benchmark).
  const nodeArgs = (process.env['NITRO_MPC_ENCLAVE_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...ENCLAVE_NODE_FLAGS, ...nodeArgs, ENCLAVE_BUNDLE], {
    env: { ...process.env, ...options.env, NITRO_MPC_LISTEN: address, NITRO_MPC_SIM_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`enclave did not start:\n${output}`)), 20_000);
    const check = () => {
      if (output.includes('ready:')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`enclave exited with ${code}:\n${output}`));
    });
  });
  const nsm = await createSimulatedNsm({ stateDir, bundle: new Uint8Array(readFileSync(ENCLAVE_BUNDLE)) });
  const pcrs = [0, 1, 2].map((index) => ({ index, allowed: [nsm.bootPcrs[index] ?? ''] }));
  const root = nsm.rootCertificate.der;
  await nsm.close();
  return {
    address,
    stateDir,
    child,
    pid: child.pid ?? -1,
    root,
    pcrs,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
