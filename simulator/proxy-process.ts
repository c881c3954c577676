/**
 * Runs the parent's proxy (`nitro-mpc proxy`, from the built CLI) as a separate process, as an operator would, and
 * reads its JSON log lines: what tests, the demo and the load benchmark put between parties and the enclave process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const BUILT_CLI = resolve(import.meta.dirname, '../dist/cli.js');

export type LogLine = Record<string, unknown> & { msg?: string };

export interface RunningProxyProcess {
  readonly child: ChildProcess;
  readonly pid: number;
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

/**
 * Collects log lines as they arrive, parsing each once: a proxy holding 10,000 connections writes 10,000 `open`
 * lines, and re-reading everything on each chunk was quadratic. Pipes are synchronous for the writer on Linux, so
 * a slow reader here would stall the proxy itself.
 */
class LogCollector {
  readonly lines: LogLine[] = [];
  #partial = '';
  #waiters: { test: (line: LogLine) => boolean; found: (line: LogLine) => void }[] = [];

  push(chunk: string): void {
    const text = this.#partial + chunk;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.#partial = text;
      return;
    }
    this.#partial = text.slice(end + 1);
    for (const line of parseLogLines(text.slice(0, end))) {
      this.lines.push(line);
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.test(line)) return true;
        waiter.found(line);
        return false;
      });
    }
  }

  waitFor(test: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((found) => this.#waiters.push({ test, found }));
  }
}

export interface ProxyProcessOptions {
  /** Extra node flags for the proxy process (e.g. `--cpu-prof` to profile it under a benchmark). */
  readonly nodeArgs?: readonly string[];
  /** Runs it under `prlimit --nofile=<n>:<n>` (util-linux), as an operator's LimitNOFILE= would. */
  readonly maxOpenFiles?: number;
}

/** The command line that runs `nitro-mpc proxy <args>`, under prlimit when an open-file limit is asked for. */
export function proxyCommand(args: readonly string[], options: ProxyProcessOptions = {}): [string, string[]] {
  const node = [...(options.nodeArgs ?? []), BUILT_CLI, 'proxy', ...args, '--json-logs'];
  if (options.maxOpenFiles === undefined) return [process.execPath, node];
  const limit = String(options.maxOpenFiles);
  return ['prlimit', [`--nofile=${limit}:${limit}`, process.execPath, ...node]];
}

/** Starts `nitro-mpc proxy <args> --json-logs`; resolves at its `ready` line, rejects if it exits first. */
export async function startProxyProcess(
  args: readonly string[],
  options: ProxyProcessOptions = {},
): Promise<RunningProxyProcess> {
  const [command, commandArgs] = proxyCommand(args, options);
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = new LogCollector();
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => logs.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const describe = () => `${logs.lines.map((l) => JSON.stringify(l)).join('\n')}\n${stderr}`;
  const ready = await new Promise<LogLine>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start:\n${describe()}`)), 20_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${code}:\n${describe()}`));
    });
    void logs
      .waitFor((line) => line.msg === 'ready')
      .then((line) => {
        clearTimeout(timer);
        resolveReady(line);
      });
  });
  return {
    child,
    pid: child.pid ?? -1,
    ready,
    logs: () => [...logs.lines],
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
