/**
 * A party's whole session through the built CLI only, as real processes against the enclave process (simulator
 * mode, unix socket): keygen, manifest, create, approve, attest, submit CSV/JSON/NDJSON, evaluate, result,
 * destroy, and offline receipt verification.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENCLAVE_BUNDLE, type RunningEnclave, startEnclave } from '../../simulator/enclave-process.js';
import { runCli } from '../helpers/cli.js';
import { ok, pcrFlags, type Workspace, workspace } from './support.js';

let enclave: RunningEnclave;
let ws: Workspace;

beforeAll(async () => {
  enclave = await startEnclave();
  ws = workspace(enclave);
  for (const [id, alg] of [
    ['alice', 'Ed25519'],
    ['bob', 'ES256'],
    ['carol', 'Ed25519'],
  ] as const) {
    const run = ok(runCli(['keygen', '--out', ws.path(`${id}.key`), '--alg', alg, '--json']));
    writeFileSync(ws.path(`${id}.pub.json`), run.stdout);
  }
});

afterAll(async () => {
  await enclave.stop();
});

describe('nitro-mpc keygen', () => {
  it('writes the key file owner-only and prints the manifest party entry', () => {
    expect(statSync(ws.path('alice.key')).mode & 0o777).toBe(0o600);
    const again = ok(runCli(['keygen', '--public', ws.path('bob.key')])).json<Record<string, unknown>>();
    expect(again).toMatchObject({ id: 'bob', displayName: 'bob', signingKey: { alg: 'ES256' } });
    expect(JSON.stringify(again)).not.toMatch(/pkcs8|privateKey/);
    const refused = runCli(['keygen', '--out', ws.path('alice.key'), '--json']);
    expect(refused.status).toBe(1);
    expect(refused.json()).toMatchObject({ ok: false, code: 'KEY_FILE_EXISTS', hint: expect.any(String) });
  });
});

describe('a three-party mean through the CLI', () => {
  // About 25 CLI processes one after another: slow on a busy machine, hence its own timeout.
  it('runs every step and verifies the receipts offline', () => {
    const init = ok(
      runCli([
        'manifest',
        'init',
        '--function',
        'mean',
        ...['alice', 'bob', 'carol'].flatMap((p) => ['--party', ws.path(`${p}.pub.json`)]),
        ...['salaries-a:alice', 'salaries-b:bob', 'salaries-c:carol'].flatMap((i) => ['--input', i]),
        ...['alice', 'bob:full:encrypted', 'carol:clear'].flatMap((r) => ['--recipient', r]),
        ...pcrFlags(enclave.pcrs),
        '--enclave-bundle',
        ENCLAVE_BUNDLE,
        '--evaluation',
        'on-request:carol',
        '--out',
        ws.path('mean.cbor'),
        '--json',
      ]),
    ).json<{ sessionId: string }>();
    expect(init.sessionId).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(runCli(['manifest', 'hash', ws.path('mean.cbor'), '--json'])).json()).toEqual({
      sessionId: init.sessionId,
    });
    const shown = ok(runCli(['manifest', 'show', ws.path('mean.cbor'), '--json'])).json<{
      function: { id: string };
      parties: unknown[];
      recipients: unknown[];
    }>();
    expect(shown.function.id).toBe('mean');
    expect(shown.parties).toHaveLength(3);
    expect(shown.recipients).toContainEqual({ party: 'carol', view: 'full', delivery: 'clear' });

    expect(ok(ws.session('create', 'alice', 'mean.cbor')).json()).toEqual({ sessionId: init.sessionId });
    for (const p of ['alice', 'bob']) {
      expect(ok(ws.session('approve', p, 'mean.cbor')).json()).toMatchObject({ party: p, open: false });
    }
    // The endpoint from the environment instead of --endpoint.
    const carolApproves = runCli(
      ['session', 'approve', '--manifest', ws.path('mean.cbor'), '--key', ws.path('carol.key'), '--json'],
      undefined,
      { NITRO_MPC_ENDPOINT: enclave.address },
    );
    expect(ok(carolApproves).json()).toMatchObject({ party: 'carol', open: true });

    writeFileSync(ws.path('alice.csv'), 'employee,salary\n"Doe, J",100000\nRoe,110000\n');
    writeFileSync(ws.path('bob.json'), JSON.stringify([{ salary: 90_000 }]));
    writeFileSync(ws.path('carol.ndjson'), '120000\n80000\n');
    const early = ws.session(
      'submit',
      'alice',
      'mean.cbor',
      '--input',
      'salaries-a',
      '--file',
      ws.path('alice.csv'),
    );
    expect(early.status).toBe(1);
    expect(early.json()).toMatchObject({ ok: false, code: 'ATTESTATION_REQUIRED' });

    for (const p of ['alice', 'bob', 'carol']) {
      const attested = ok(ws.session('attest', p, 'mean.cbor')).json<{
        verified: boolean;
        stateFile: string;
      }>();
      expect(attested.verified).toBe(true);
      expect(attested.stateFile).toBe(ws.path(`${p}.key.sessions/${init.sessionId}.attestation`));
    }
    // A stored attestation is re-verified by every submit: an altered record (here its nonce) is refused.
    const state = ws.path(`alice.key.sessions/${init.sessionId}.attestation`);
    const saved = readFileSync(state, 'utf8');
    const record = JSON.parse(saved) as { nonce: string };
    writeFileSync(state, JSON.stringify({ ...record, nonce: Buffer.alloc(32, 7).toString('base64') }));
    const tampered = ws.session(
      'submit',
      'alice',
      'mean.cbor',
      '--input',
      'salaries-a',
      '--file',
      ws.path('alice.csv'),
    );
    expect(tampered.status).toBe(1);
    expect(tampered.json()).toMatchObject({ code: 'ATTESTATION_NONCE_MISMATCH' });
    writeFileSync(state, saved);

    const submits = [
      ['alice', 'salaries-a', 'alice.csv', '--column', 'salary'],
      ['bob', 'salaries-b', 'bob.json', '--column', 'salary'],
      ['carol', 'salaries-c', 'carol.ndjson'],
    ] as const;
    for (const [party, input, file, ...extra] of submits) {
      const sent = ok(
        ws.session('submit', party, 'mean.cbor', '--input', input, '--file', ws.path(file), ...extra),
      );
      expect(sent.json()).toMatchObject({
        input,
        round: 1,
        commitment: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(sent.stdout + sent.stderr).not.toContain('110000');
    }
    const status = ok(ws.session('status', 'bob', 'mean.cbor')).json<{ inputs: { provided: boolean }[] }>();
    expect(status.inputs.every((i) => i.provided)).toBe(true);

    ok(ws.session('evaluate', 'carol', 'mean.cbor'));
    for (const p of ['alice', 'bob', 'carol']) {
      const result = ok(ws.session('result', p, 'mean.cbor', '--save-receipt', ws.path(`${p}.receipt`)));
      expect(result.json()).toMatchObject({
        value: { mean: 100_000, count: 5 },
        receipt: { kind: 'result', recipient: p, sessionId: init.sessionId },
      });
    }
    const destroyed = ok(
      ws.session('destroy', 'alice', 'mean.cbor', '--save-receipt', ws.path('destroyed.cert')),
    );
    expect(destroyed.json()).toMatchObject({ certificate: { kind: 'destruction', reason: 'completed' } });
    expect(existsSync(ws.path(`alice.key.sessions/${init.sessionId}.attestation`))).toBe(false);

    for (const file of ['carol.receipt', 'destroyed.cert']) {
      const verified = ok(
        runCli([
          'receipt',
          'verify',
          ws.path(file),
          '--manifest',
          ws.path('mean.cbor'),
          '--root',
          ws.root,
          '--json',
        ]),
      ).json<{ valid: boolean; kind: string }>();
      expect(verified.valid).toBe(true);
    }
    const human = ok(runCli(['receipt', 'verify', ws.path('destroyed.cert'), '--root', ws.root]));
    expect(human.stdout).toContain('valid destruction certificate');
  }, 120_000);
});

describe('refusals and usage errors', () => {
  it('refuses an enclave whose PCRs are not the manifest’s, and keeps no session key', () => {
    const wrong = enclave.pcrs.map((p) => (p.index === 0 ? { index: 0, allowed: ['ab'.repeat(48)] } : p));
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
        ...pcrFlags(wrong),
        '--enclave-bundle',
        ENCLAVE_BUNDLE,
        '--out',
        ws.path('wrong.cbor'),
      ]),
    );
    ok(ws.session('create', 'alice', 'wrong.cbor'));
    ok(ws.session('approve', 'alice', 'wrong.cbor'));
    const attest = ws.session('attest', 'alice', 'wrong.cbor');
    expect(attest.status).toBe(1);
    expect(attest.json()).toMatchObject({
      ok: false,
      code: 'ATTESTATION_PCR_MISMATCH',
      hint: expect.any(String),
    });
    writeFileSync(ws.path('x.json'), '[1,2]');
    const submit = ws.session('submit', 'alice', 'wrong.cbor', '--input', 'x', '--file', ws.path('x.json'));
    expect(submit.json()).toMatchObject({ code: 'ATTESTATION_REQUIRED' });
  });

  it('exits 2 on usage errors', () => {
    expect(runCli(['keygen', '--out', ws.path('z.key'), '--alg', 'RSA']).status).toBe(2);
    expect(runCli(['manifest', 'init', '--function', 'mean']).status).toBe(2);
    expect(runCli(['session', 'frobnicate']).status).toBe(2);
    const noEndpoint = runCli(
      ['session', 'status', '--manifest', ws.path('mean.cbor'), '--key', ws.path('alice.key'), '--json'],
      undefined,
      { NITRO_MPC_ENDPOINT: '' },
    );
    expect(noEndpoint.status).toBe(2);
    expect(noEndpoint.json()).toMatchObject({ code: 'ENDPOINT_REQUIRED' });
    const badFormat = ws.session(
      'submit',
      'alice',
      'mean.cbor',
      '--input',
      'a',
      '--file',
      ws.path('x.json'),
      '--format',
      'xml',
    );
    expect(badFormat.status).toBe(2);
  });
});
