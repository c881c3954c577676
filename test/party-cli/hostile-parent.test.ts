/**
 * The parent is not trusted: here it relays everything but alters the attestation document on its way to the
 * party. `session attest` must refuse (exit 1, with the verifier's code) and keep no session key.
 */
import { writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FrameDecoder,
  type FrameEnvelope,
} from '../../protocol/transport/index.js';
import { ENCLAVE_BUNDLE, type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { ok, pcrFlags, type Workspace, workspace } from './support.js';

let enclave: RunningEnclave;
let ws: Workspace;
let relay: Server;
let relayAddress: string;
let tampered = 0;

/** Flips one bit inside the signed payload of every attestation document the enclave sends. */
function tamper(envelope: FrameEnvelope): FrameEnvelope {
  if (envelope.type !== 'response' || !(envelope.body instanceof Map)) return envelope;
  const document = envelope.body.get('document');
  if (envelope.body.get('type') !== 'attestation' || !(document instanceof Uint8Array)) return envelope;
  const altered = new Uint8Array(document);
  const at = Math.floor(altered.length / 2);
  altered[at] = (altered[at] ?? 0) ^ 0x01;
  tampered++;
  return { ...envelope, body: new Map([...envelope.body, ['document', altered]]) };
}

beforeAll(async () => {
  enclave = await startEnclave();
  ws = workspace(enclave);
  const path = join(ws.dir, 'hostile-parent.sock');
  relay = createServer((party) => {
    const upstream = createConnection(enclave.address.slice('unix://'.length));
    party.pipe(upstream);
    const frames = new FrameDecoder(DEFAULT_MAX_FRAME_BYTES);
    upstream.pipe(frames);
    frames.on('data', (envelope: FrameEnvelope) =>
      party.write(encodeFrame(tamper(envelope), DEFAULT_MAX_FRAME_BYTES)),
    );
    const close = () => {
      party.destroy();
      upstream.destroy();
    };
    party.on('close', close);
    upstream.on('close', close);
    frames.on('error', close);
  });
  await new Promise<void>((done) => relay.listen(path, done));
  relayAddress = `unix://${path}`;
  ok(runCli(['keygen', '--out', ws.path('alice.key'), '--id', 'alice', '--json']));
  const pub = runCli(['keygen', '--public', ws.path('alice.key')]);
  writeFileSync(ws.path('alice.pub.json'), pub.stdout);
});

afterAll(async () => {
  relay.close();
  await enclave.stop();
});

describe('a parent that alters attestation documents', () => {
  it("makes `session attest` exit 1 with the verifier's code, and submit then refuses", async () => {
    ok(
      runCli([
        'manifest',
        'init',
        '--function',
        'sum',
        '--party',
        ws.path('alice.pub.json'),
        '--input',
        'x:alice',
        '--recipient',
        'alice',
        ...pcrFlags(enclave.pcrs),
        '--enclave-bundle',
        ENCLAVE_BUNDLE,
        '--out',
        ws.path('m.cbor'),
      ]),
    );
    const through = (verb: string, ...extra: string[]) =>
      runCliAsync([
        'session',
        verb,
        '--manifest',
        ws.path('m.cbor'),
        '--key',
        ws.path('alice.key'),
        '--endpoint',
        relayAddress,
        '--root',
        ws.root,
        '--json',
        ...extra,
      ]);
    ok(await through('create'));
    ok(await through('approve'));
    const attest = await through('attest');
    expect(tampered).toBeGreaterThan(0);
    expect(attest.status).toBe(1);
    // Which check catches it depends on where the bit lands (a certificate, the payload, the signature).
    expect(attest.json<{ code: string }>().code).toMatch(/^ATTESTATION_[A-Z_]+$/);
    writeFileSync(ws.path('x.json'), '[1]');
    expect((await through('submit', '--input', 'x', '--file', ws.path('x.json'))).json()).toMatchObject({
      code: 'ATTESTATION_REQUIRED',
    });
  });
});
