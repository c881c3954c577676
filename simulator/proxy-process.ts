/**
 * Runs the parent's proxy (`nitro-mpc proxy`, from the built CLI) as a separate process, as an operator would, and
 * reads its JSON log lines: what tests and the demo put between parties and the enclave process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const BUILT_CLI = resolve(import.meta.dirname, '../dist/cli.js');

export type LogLine = Record<string, unknown> & { msg?: string };

export interface RunningProxyProcess {
  readonly child: ChildProcess;
  /** The `ready` log line: the addresses it actually listens on (port 0 filled in). */
  readonly ready: LogLine;
  logs(): LogLine[];
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function parseLogLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Starts `nitro-mpc proxy <args> --json-logs`; resolves at its `ready` line, rejects if it exits first. */
export async function startProxyProcess(args: readonly string[]): Promise<RunningProxyProcess> {
  const child = spawn(process.execPath, [BUILT_CLI, 'proxy', ...args, '--json-logs'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = await new Promise<LogLine>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start:\n${stdout}${stderr}`)), 20_000);
    const check = (): void => {
      const line = parseLogLines(stdout).find((l) => l.msg === 'ready');
      if (line) {
        clearTimeout(timer);
        resolveReady(line);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code}:\n${stdout}${stderr}`));
    });
  });
  return {
    child,
    ready,
    logs: () => parseLogLines(stdout),
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
