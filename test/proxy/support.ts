/** Runs the proxy as a separate process, as an operator would, and reads its JSON log lines. */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILT_CLI = resolve(ROOT, 'dist/cli.js');
const ENTRY = resolve(import.meta.dirname, 'cli-entry.ts');

/** `node dist/cli.js proxy` once the CLI registers it; until then the same command through tsx. */
function proxyCommand(): string[] {
  const help = spawnSync(process.execPath, [BUILT_CLI, '--help'], { encoding: 'utf8', timeout: 20_000 });
  return /^\s+proxy\b/m.test(help.stdout) ? [BUILT_CLI, 'proxy'] : ['--import', 'tsx', ENTRY, 'proxy'];
}

let command: string[] | undefined;

export type LogLine = Record<string, unknown> & { msg?: string };

export interface RunningProxyProcess {
  readonly child: ChildProcess;
  readonly ready: LogLine;
  logs(): LogLine[];
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function parseLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Starts `nitro-mpc proxy <args> --json-logs`; resolves at its `ready` line, rejects if it exits first. */
export async function startProxyProcess(args: readonly string[]): Promise<RunningProxyProcess> {
  command ??= proxyCommand();
  const child = spawn(process.execPath, [...command, ...args, '--json-logs'], {
    cwd: ROOT,
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
      const line = parseLines(stdout).find((l) => l.msg === 'ready');
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
    logs: () => parseLines(stdout),
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the proxy expecting it to fail at start. */
export function runProxyExpectingFailure(args: readonly string[]): {
  status: number | null;
  stderr: string;
  logs: LogLine[];
} {
  command ??= proxyCommand();
  const run = spawnSync(process.execPath, [...command, ...args, '--json-logs'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: run.status, stderr: run.stderr, logs: parseLines(run.stdout) };
}

/** GET over HTTP at a tcp://host:port admin address. */
export function httpGet(admin: string, path: string): Promise<{ status: number; body: string }> {
  const match = /^tcp:\/\/([^:]+):(\d+)$/.exec(admin);
  if (!match) throw new Error(`not a tcp admin address: ${admin}`);
  return new Promise((done, fail) => {
    const req = request({ host: match[1], port: Number(match[2]), path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** One sample of a Prometheus metric (first line whose name and labels match). */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith('{') || rest.startsWith(' '))) continue;
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}
