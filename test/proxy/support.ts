/** Runs the proxy as a separate process, as an operator would, and reads its JSON log lines. */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import {
  type LogLine,
  type ProxyProcessOptions,
  parseLogLines,
  proxyCommand,
  type RunningProxyProcess,
  startProxyProcess,
} from '../../simulator/proxy-process.js';

export { type LogLine, type RunningProxyProcess, startProxyProcess } from '../../simulator/proxy-process.js';

/** The enclave bundle behind the proxy process, with the proxy's metrics listener: what relay tests talk to. */
export async function startEnclaveBehindProxy(
  drainTimeoutSeconds: number,
): Promise<{ enclave: RunningEnclave; proxy: RunningProxyProcess }> {
  const enclave = await startEnclave();
  const proxy = await startProxyProcess([
    '--listen',
    'tcp://127.0.0.1:0',
    '--enclave',
    enclave.address,
    '--metrics',
    'tcp://127.0.0.1:0',
    '--drain-timeout',
    String(drainTimeoutSeconds),
  ]);
  return { enclave, proxy };
}

/** Runs the proxy expecting it to fail at start (optionally under an open-file limit). */
export function runProxyExpectingFailure(
  args: readonly string[],
  options: ProxyProcessOptions = {},
): {
  status: number | null;
  stderr: string;
  logs: LogLine[];
} {
  const [command, commandArgs] = proxyCommand(args, options);
  const run = spawnSync(command, commandArgs, { encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, stderr: run.stderr, logs: parseLogLines(run.stdout) };
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
