import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSimulation } from '../../../simulator/index.js';
import { SimProcessError } from './errors.js';
import {
  isAlive,
  logFilePath,
  removeProcessFile,
  runningSimulation,
  type SimInfo,
  writeProcessFile,
} from './process-file.js';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

function logTail(stateDir: string): string {
  try {
    return readFileSync(logFilePath(stateDir), 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Runs the simulation in this process until SIGTERM or SIGINT (what `sim start` launches in the background),
 * recording how to reach it in the state directory.
 */
export async function serveSimulation(stateDir: string, port: number): Promise<void> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const simulation = await startSimulation({ stateDir, port });
  const info: SimInfo = {
    kmsEndpoint: simulation.kms.endpoint,
    region: simulation.kms.region,
    accessKeyId: simulation.kms.credentials.accessKeyId,
    secretAccessKey: simulation.kms.credentials.secretAccessKey,
    principalArn: simulation.kms.principalArn,
    rootCertificate: simulation.root.path,
    stateDir,
  };
  writeProcessFile(stateDir, { pid: process.pid, info });
  process.stdout.write(`simulation ${process.pid} serving KMS at ${info.kmsEndpoint}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await simulation.stop();
  removeProcessFile(stateDir, process.pid);
}

/** Starts `sim serve` detached and waits until it has recorded itself; returns how to reach it. */
export async function startSimulationProcess(stateDir: string, port: number): Promise<SimInfo> {
  const running = runningSimulation(stateDir);
  if (running) return running.info;
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const log = openSync(logFilePath(stateDir), 'a', 0o600);
  const script = process.argv[1];
  if (script === undefined) throw new SimProcessError('SIM_START_FAILED', 'cannot tell which script to run');
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, 'sim', 'serve', '--state-dir', stateDir, '--port', String(port)],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const current = runningSimulation(stateDir);
    if (current && current.pid === child.pid) return current.info;
    if (exited !== undefined) break;
    await sleep(50);
  }
  if (child.pid !== undefined && isAlive(child.pid)) process.kill(child.pid, 'SIGTERM');
  throw new SimProcessError(
    'SIM_START_FAILED',
    `the simulator did not start (state dir ${stateDir}); its log ends with:\n${logTail(stateDir)}`,
  );
}

/** Stops the running simulation, if any; true when one was stopped. */
export async function stopSimulationProcess(stateDir: string): Promise<boolean> {
  const running = runningSimulation(stateDir);
  if (!running) {
    removeProcessFile(stateDir);
    return false;
  }
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isAlive(running.pid)) {
      removeProcessFile(stateDir, running.pid);
      return true;
    }
    await sleep(50);
  }
  throw new SimProcessError('SIM_STOP_FAILED', `simulator process ${running.pid} did not stop within 10 s`);
}
