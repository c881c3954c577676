/** Egress: the enclave's outbound connections go only to allow-listed remotes; bad configurations stop the start. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProxyExpectingFailure, startProxyProcess } from './support.js';

let dir: string;
let echo: Server;
let echoPort: number;
let allowFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-proxy-egress-'));
  echo = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
  await new Promise<void>((done) => echo.listen(0, '127.0.0.1', done));
  const bound = echo.address();
  echoPort = typeof bound === 'object' && bound !== null ? bound.port : 0;
  allowFile = join(dir, 'vsock-proxy.yaml');
  writeFileSync(allowFile, `allowlist:\n- {address: 127.0.0.1, port: ${echoPort}}\n`);
});

afterAll(async () => {
  await new Promise((done) => echo.close(done));
  rmSync(dir, { recursive: true, force: true });
});

const ingress = () => [
  '--listen',
  'tcp://127.0.0.1:0',
  '--enclave',
  `unix://${join(dir, 'no-enclave.sock')}`,
];

describe('egress', () => {
  it('relays to an allow-listed loopback server, end of stream included', async () => {
    const socketPath = join(dir, 'egress.sock');
    const proxy = await startProxyProcess([
      ...ingress(),
      '--egress',
      `unix://${socketPath}=127.0.0.1:${echoPort}`,
      '--allow',
      allowFile,
    ]);
    try {
      const reply = await new Promise<string>((done, fail) => {
        const socket = createConnection(socketPath, () => socket.end('ping through the enclave'));
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          text += chunk;
        });
        socket.on('end', () => done(text));
        socket.on('error', fail);
      });
      expect(reply).toBe('ping through the enclave');
    } finally {
      expect(await proxy.stop()).toBe(0);
    }
    expect(
      proxy.logs().some((l) => l.msg === 'close' && l['route'] === 'egress' && l['bytesIn'] === 24),
    ).toBe(true);
  });

  it('refuses at start, with its code and a log line, a remote not on the allow-list', () => {
    const run = runProxyExpectingFailure([
      ...ingress(),
      '--egress',
      `unix://${join(dir, 'refused.sock')}=127.0.0.1:${echoPort + 1 === 65536 ? 1 : echoPort + 1}`,
      '--allow',
      allowFile,
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PROXY_EGRESS_REFUSED');
    expect(run.logs.some((l) => l.msg === 'refused' && l['reason'] === 'not_allowlisted')).toBe(true);
  });

  it('fails the start when an allow-listed host does not resolve', () => {
    const file = join(dir, 'unresolvable.yaml');
    writeFileSync(
      file,
      `allowlist:\n- {address: 127.0.0.1, port: ${echoPort}}\n- {address: no-such-host.invalid, port: 443}\n`,
    );
    const run = runProxyExpectingFailure([
      ...ingress(),
      '--egress',
      `unix://${join(dir, 'x.sock')}=127.0.0.1:${echoPort}`,
      '--allow',
      file,
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PROXY_HOST_UNRESOLVED');
  });

  it('fails the start when a port cannot be bound', () => {
    const run = runProxyExpectingFailure([
      '--listen',
      `tcp://127.0.0.1:${echoPort}`,
      '--enclave',
      'unix:///tmp/x.sock',
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PROXY_LISTEN_FAILED');
  });

  it('refuses a malformed allow-list as a usage error', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'allowlist:\n- {address: kms.us-east-1.amazonaws.com}\n');
    const run = runProxyExpectingFailure([
      ...ingress(),
      '--egress',
      `unix://${join(dir, 'y.sock')}=127.0.0.1:${echoPort}`,
      '--allow',
      file,
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('PROXY_ALLOWLIST_INVALID');
  });
});
