/**
 * On Nitro the enclave reaches KMS only through the parent's egress relay. The agent runs TLS inside the enclave
 * over the relayed stream: the relay (here a unix-socket pipe standing in for the parent) carries only ciphertext.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, connect as netConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from '../../attestation/index.js';
import { egressHttpsAgent } from '../../enclave/kms/index.js';
import { issueCertificate, type TestCert } from '../helpers/pki.js';

const SECRET = 'plaintext the parent must never see';
const work = mkdtempSync(join(tmpdir(), 'nitro-mpc-egress-'));
let root: TestCert;
let https: ReturnType<typeof createHttpsServer>;
let relay: Server;
const relayed: Buffer[] = [];

beforeAll(async () => {
  const now = Date.now();
  root = await issueCertificate({
    subject: 'CN=test root',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    ca: true,
  });
  const server = await issueCertificate({
    subject: 'CN=kms.test',
    issuer: root,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'kms.test' }])],
  });
  https = createHttpsServer(
    { cert: derToPem(server.der), key: server.privateKey.export({ format: 'pem', type: 'pkcs8' }) },
    (req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => res.end(`echo:${body}`));
    },
  );
  await new Promise<void>((done) => https.listen(0, '127.0.0.1', done));
  const port = (https.address() as AddressInfo).port;
  // The parent's relay: bytes in, bytes out, to the one allow-listed destination; it records what it sees.
  relay = createNetServer((inbound) => {
    const outbound = netConnect(port, '127.0.0.1');
    inbound.on('data', (d: Buffer) => relayed.push(Buffer.from(d)));
    outbound.on('data', (d: Buffer) => relayed.push(Buffer.from(d)));
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((done) => relay.listen(join(work, 'egress.sock'), done));
});

afterAll(async () => {
  relay.close();
  https.close();
  rmSync(work, { recursive: true, force: true });
});

describe('egressHttpsAgent', () => {
  it('runs TLS end to end through the relay: the relay sees only ciphertext', async () => {
    const agent = egressHttpsAgent(`unix://${join(work, 'egress.sock')}`, { ca: derToPem(root.der) });
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request({ host: 'kms.test', path: '/', method: 'POST', agent }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end(SECRET);
    });
    agent.destroy();
    expect(answer).toBe(`echo:${SECRET}`);
    const seen = Buffer.concat(relayed);
    expect(seen.length).toBeGreaterThan(SECRET.length);
    expect(seen.includes(Buffer.from(SECRET))).toBe(false);
  });

  it('refuses a server whose certificate is not for the requested host', async () => {
    const agent = egressHttpsAgent(`unix://${join(work, 'egress.sock')}`, { ca: derToPem(root.der) });
    const error = await new Promise<Error>((resolve) => {
      const req = request({ host: 'kms.us-east-1.amazonaws.com', path: '/', agent }, () =>
        resolve(new Error('answered')),
      );
      req.on('error', resolve);
      req.end();
    });
    agent.destroy();
    expect(String(error.message)).toMatch(/altname|certificate|Hostname/i);
  });
});
