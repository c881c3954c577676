import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const base = mkdtempSync(join(tmpdir(), 'nitro-mpc-sim-cli-'));
const stateDir = join(base, 'sim');

afterAll(() => {
  runCli(['sim', 'stop', '--state-dir', stateDir]);
  rmSync(base, { recursive: true, force: true });
});

interface SimInfo {
  kmsEndpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  rootCertificate: string;
  stateDir: string;
}

describe('nitro-mpc sim', () => {
  let info: SimInfo;

  it('start runs the KMS simulator in the background and prints how to reach it', () => {
    const run = runCli(['sim', 'start', '--state-dir', stateDir, '--json']);
    expect(run.status, run.stderr).toBe(0);
    info = run.json<SimInfo>();
    expect(Object.keys(info).sort()).toEqual(
      [
        'accessKeyId',
        'kmsEndpoint',
        'principalArn',
        'region',
        'rootCertificate',
        'secretAccessKey',
        'stateDir',
      ].sort(),
    );
    expect(info.stateDir).toBe(stateDir);
    expect(existsSync(info.rootCertificate)).toBe(true);
    expect(statSync(join(stateDir, 'sim.json')).mode & 0o777).toBe(0o600);
  });

  it('start again finds the same running simulation', () => {
    const again = runCli(['sim', 'start', '--state-dir', stateDir]);
    expect(again.status).toBe(0);
    expect(again.json<SimInfo>().kmsEndpoint).toBe(info.kmsEndpoint);
  });

  it('serves the real SDK with the credentials it printed, and refuses others', async () => {
    const client = (secretAccessKey: string) =>
      new KMSClient({
        endpoint: info.kmsEndpoint,
        region: info.region,
        credentials: { accessKeyId: info.accessKeyId, secretAccessKey },
        maxAttempts: 1,
      });
    const good = client(info.secretAccessKey);
    await expect(good.send(new ListKeysCommand({}))).resolves.toMatchObject({ Keys: expect.any(Array) });
    // Another last character: always a different secret (appending 'x' in place of it was the same key whenever the
    // printed secret ended in 'x', and the test then failed).
    const last = info.secretAccessKey.at(-1) === 'x' ? 'y' : 'x';
    const bad = client(`${info.secretAccessKey.slice(0, -1)}${last}`);
    await expect(bad.send(new ListKeysCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    good.destroy();
    bad.destroy();
  });

  it('status says running with exit 0', () => {
    const run = runCli(['sim', 'status', '--state-dir', stateDir, '--json']);
    expect(run.status).toBe(0);
    expect(run.json()).toMatchObject({ running: true, kmsEndpoint: info.kmsEndpoint });
  });

  it('attest writes a document that verifies with --root <sim root> and is untrusted without it', () => {
    const doc = join(base, 'doc.cbor');
    const attest = runCli([
      'sim',
      'attest',
      '--state-dir',
      stateDir,
      '--nonce',
      'c0ffee',
      '--pcr',
      `3=${'ab'.repeat(48)}`,
      '--out',
      doc,
      '--json',
    ]);
    expect(attest.status, attest.stderr).toBe(0);
    const { pcrs } = attest.json<{ pcrs: Record<string, string> }>();
    expect(pcrs['3']).toBe('ab'.repeat(48));
    const trusted = runCli([
      'attestation',
      'verify',
      doc,
      '--root',
      info.rootCertificate,
      '--nonce',
      'c0ffee',
      '--pcr',
      `0=${pcrs['0']}`,
      '--json',
    ]);
    expect(trusted.status).toBe(0);
    const untrusted = runCli(['attestation', 'verify', doc, '--json']);
    expect(untrusted.status).toBe(1);
    expect(untrusted.json()).toMatchObject({ valid: false, code: 'ATTESTATION_ROOT_UNTRUSTED' });
  });

  it('attest prints base64 for a pipe, and honours --debug and NITRO_MPC_SIM_DIR', () => {
    const attest = runCli(['sim', 'attest', '--state-dir', stateDir, '--debug']);
    expect(attest.status).toBe(0);
    const verify = runCli(
      ['attestation', 'verify', '-', '--root', info.rootCertificate, '--json'],
      attest.stdout,
    );
    expect(verify.json()).toMatchObject({ code: 'ATTESTATION_DEBUG_ENCLAVE' });
    const allowed = runCli(
      ['attestation', 'verify', '-', '--root', info.rootCertificate, '--allow-debug'],
      attest.stdout,
    );
    expect(allowed.status).toBe(0);
  });

  it('attest refuses PCRs the hypervisor owns and bad hex as usage errors', () => {
    expect(runCli(['sim', 'attest', '--state-dir', stateDir, '--pcr', `0=${'00'.repeat(48)}`]).status).toBe(
      2,
    );
    expect(runCli(['sim', 'attest', '--state-dir', stateDir, '--nonce', 'xyz']).status).toBe(2);
    expect(
      runCli(['sim', 'attest', '--state-dir', stateDir, '--public-key', join(base, 'missing.pem')]).status,
    ).toBe(2);
  });

  it('stop ends it; status then exits 1; reset removes the state', () => {
    const stop = runCli(['sim', 'stop', '--state-dir', stateDir, '--json']);
    expect(stop.status).toBe(0);
    expect(stop.json()).toEqual({ stopped: true });
    const status = runCli(['sim', 'status', '--state-dir', stateDir, '--json']);
    expect(status.status).toBe(1);
    expect(status.json()).toMatchObject({ running: false });
    const reset = runCli(['sim', 'reset', '--state-dir', stateDir, '--json']);
    expect(reset.status).toBe(0);
    expect(existsSync(stateDir)).toBe(false);
  });
});
