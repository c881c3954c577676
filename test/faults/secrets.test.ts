/**
 * Secrets after a full session through real processes: keys made by `nitro-mpc keygen`, the enclave bundle and
 * the parent's proxy as their own processes, parties on the SDK (and the CLI for attest and status). Every byte
 * the processes printed, and what the CLI stored beside the key, is scanned for each input's random marker, each
 * party's private keys and the result: none is found. Key files are 0600, the CLI's session directory 0700.
 */
import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from '../../attestation/index.js';
import {
  decodePartyKeyFile,
  draftManifest,
  EnclaveConnection,
  PartyClient,
  type PartyIdentity,
  partyKeyFileSchema,
} from '../../parent/client/index.js';
import { encodeManifest, type Manifest } from '../../protocol/index.js';
import { measurementOf, type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { type RunningProxyProcess, startProxyProcess } from '../../simulator/proxy-process.js';
import { type CliRun, runCli } from '../helpers/cli.js';
import { assertNoSecrets, type Haystack, type SecretMarker } from '../helpers/secret-scan.js';

const IDS = ['alice', 'bob', 'carol'] as const;
type Id = (typeof IDS)[number];

let dir: string;
let enclave: RunningEnclave;
let proxy: RunningProxyProcess;
let endpoint: string;
const cliRuns: { label: string; run: CliRun }[] = [];
const identities = new Map<Id, PartyIdentity>();
const markers: SecretMarker[] = [];

function cli(label: string, args: readonly string[]): CliRun {
  const run = runCli(args);
  cliRuns.push({ label, run });
  if (run.status !== 0) throw new Error(`${label}: exit ${run.status}\n${run.stdout}\n${run.stderr}`);
  return run;
}

/** A party's private key material, as markers: the signing key's PKCS#8 and scalar, the HPKE private key. */
function keyMarkers(id: Id, keyFileText: string): SecretMarker[] {
  const json = partyKeyFileSchema.parse(JSON.parse(keyFileText));
  const pkcs8 = Buffer.from(json.signing.pkcs8, 'base64');
  const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  return [
    { label: `${id} signing key (PKCS#8)`, bytes: new Uint8Array(pkcs8) },
    { label: `${id} signing key (scalar)`, bytes: new Uint8Array(Buffer.from(String(jwk.d), 'base64url')) },
    { label: `${id} HPKE private key`, bytes: new Uint8Array(Buffer.from(json.hpke.privateKey, 'base64')) },
  ];
}

/** `size` random bytes with a 16-byte random marker at `at`; the marker is recorded. */
function inputWithMarker(id: Id, size: number, at: number): Uint8Array {
  const input = new Uint8Array(randomBytes(size));
  const marker = new Uint8Array(randomBytes(16));
  input.set(marker, at);
  markers.push({ label: `${id} input marker`, bytes: marker });
  return input;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-secrets-'));
  for (const [id, alg] of [
    ['alice', 'Ed25519'],
    ['bob', 'ES256'],
    ['carol', 'Ed25519'],
  ] as const) {
    const keyFile = join(dir, `${id}.key`);
    cli(`cli keygen ${id}`, ['keygen', '--out', keyFile, '--alg', alg, '--json']);
    const text = readFileSync(keyFile, 'utf8');
    identities.set(id, (await decodePartyKeyFile(text)).identity);
    markers.push(...keyMarkers(id, text));
  }
  enclave = await startEnclave();
  proxy = await startProxyProcess(['--listen', 'tcp://127.0.0.1:0', '--enclave', enclave.address]);
  endpoint = String(proxy.ready['ingress']);
});

afterAll(async () => {
  await proxy?.stop();
  await enclave?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function party(id: Id): PartyIdentity {
  const identity = identities.get(id);
  if (!identity) throw new Error(`no ${id}`);
  return identity;
}

async function clientFor(id: Id): Promise<PartyClient> {
  return new PartyClient(await EnclaveConnection.open(endpoint), party(id), { roots: [enclave.root] });
}

describe('a full session leaves no secret in any log or stored file', () => {
  it('keygen writes key files owner-only', () => {
    for (const id of IDS) expect(statSync(join(dir, `${id}.key`)).mode & 0o777).toBe(0o600);
  });

  it('finds no input marker, private key or result in the enclave, proxy and CLI output', async () => {
    const manifest: Manifest = draftManifest({
      fn: measurementOf('sha256-concat'),
      parameters: {},
      parties: IDS.map(party),
      pcrs: enclave.pcrs,
      maxInputBytes: 1 << 21,
    });
    const manifestFile = join(dir, 'session.cbor');
    writeFileSync(manifestFile, encodeManifest(manifest));
    const rootFile = join(dir, 'root.pem');
    writeFileSync(rootFile, derToPem(enclave.root));
    const sessionFlags = (id: Id) => [
      '--manifest',
      manifestFile,
      '--key',
      join(dir, `${id}.key`),
      '--endpoint',
      endpoint,
      '--root',
      rootFile,
      '--json',
    ];

    const inputs: Record<Id, Uint8Array> = {
      alice: inputWithMarker('alice', 64, 7),
      // Over the SDK's 512 KiB chunk: streamed, the marker across no particular boundary.
      bob: inputWithMarker('bob', 700_000, 524_280),
      carol: inputWithMarker('carol', 1000, 500),
    };
    const clients = {
      alice: await clientFor('alice'),
      bob: await clientFor('bob'),
      carol: await clientFor('carol'),
    };
    await clients.alice.create(manifest);
    for (const id of IDS) await clients[id].approve(manifest);
    cli('cli session attest alice', ['session', 'attest', ...sessionFlags('alice')]);
    for (const id of IDS) await clients[id].attest(manifest);
    for (const id of IDS) await clients[id].submit(manifest, `${id}-input`, inputs[id]);
    // Refusals are logged too: a resubmission takes the error path.
    await expect(clients.bob.submit(manifest, 'bob-input', inputs.bob)).rejects.toMatchObject({
      code: 'INPUT_ALREADY_PROVIDED',
    });
    cli('cli session status alice', ['session', 'status', ...sessionFlags('alice')]);
    await clients.alice.evaluate(manifest);
    const results = [];
    for (const id of IDS) results.push((await clients[id].result(manifest)).value);
    const expected = createHash('sha256')
      .update(Buffer.concat(IDS.map((id) => inputs[id])))
      .digest();
    expect(results[0]).toEqual(
      new Map<string, unknown>([
        ['digest', expected.toString('hex')],
        ['order', [...IDS]],
      ]),
    );
    markers.push({ label: 'result digest', bytes: new Uint8Array(expected) });
    const { certificate } = await clients.carol.destroy(manifest);
    expect(certificate.body.destroyed).toHaveLength(3);
    for (const id of IDS) clients[id].close();
    await proxy.stop();
    await enclave.stop();

    const sessionsDir = join(dir, 'alice.key.sessions');
    expect(statSync(sessionsDir).mode & 0o777).toBe(0o700);
    const stored = readdirSync(sessionsDir).map((name) => join(sessionsDir, name));
    expect(stored.length).toBeGreaterThan(0);
    for (const file of stored) expect(statSync(file).mode & 0o777).toBe(0o600);

    const haystacks: Haystack[] = [
      { label: 'enclave stdout+stderr', content: enclave.output() },
      { label: 'proxy log lines', content: JSON.stringify(proxy.logs()) },
      { label: 'proxy stderr', content: proxy.stderr() },
      ...cliRuns.flatMap(({ label, run }) => [
        { label: `${label} stdout`, content: run.stdout },
        { label: `${label} stderr`, content: run.stderr },
      ]),
      ...stored.map((file) => ({ label: file, content: new Uint8Array(readFileSync(file)) })),
    ];
    // Not vacuous: the processes did log this session, its refusal included.
    expect(enclave.output()).toMatch(/refused submit-input[a-z-]*: INPUT_ALREADY_PROVIDED/);
    expect(proxy.logs().filter((line) => line.msg === 'close').length).toBeGreaterThanOrEqual(5);
    expect(markers).toHaveLength(3 * 3 + 3 + 1);
    assertNoSecrets(markers, haystacks);
  }, 120_000);
});
