/** Runs `nitro-mpc store serve` from the built CLI as its own process, as an operator would, and reads its logs. */
import { type ChildProcess, spawn } from 'node:child_process';
import { BUILT_CLI, type LogLine, parseLogLines } from '../../simulator/proxy-process.js';

export interface StoreProcess {
  readonly child: ChildProcess;
  readonly address: string;
  /** The `opened` log line: what the store found on disk. */
  readonly opened: LogLine;
  logs(): LogLine[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startStoreProcess(
  dir: string,
  listen: string,
  extra: string[] = [],
): Promise<StoreProcess> {
  const child = spawn(
    process.execPath,
    [BUILT_CLI, 'store', 'serve', '--dir', dir, '--listen', listen, '--json-logs', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = await new Promise<LogLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`store did not start:\n${stdout}${stderr}`)), 20_000);
    const check = (): void => {
      const line = parseLogLines(stdout).find((l) => l.msg === 'ready');
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`store exited with ${code}:\n${stdout}${stderr}`));
    });
  });
  return {
    child,
    address: String(ready['listen']),
    opened: parseLogLines(stdout).find((l) => l.msg === 'opened') ?? {},
    logs: () => parseLogLines(stdout),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
