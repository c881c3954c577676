import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from '../../attestation/index.js';
import { runCli } from '../helpers/cli.js';
import { nitroLikeChain, signTestDocument } from '../helpers/pki.js';
import { readVector, VECTORS_DIR, validVectors } from '../helpers/vectors.js';

const vector = validVectors.find((v) => v.file === 'aws-2025-04-04-rsa-public-key.cbor');
const file = join(VECTORS_DIR, 'attestation', vector?.file ?? '');
const work = mkdtempSync(join(tmpdir(), 'nitro-mpc-cli-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('nitro-mpc attestation verify', () => {
  it('accepts a real document at its own time with its PCRs, printing one JSON object (exit 0)', () => {
    const run = runCli([
      'attestation',
      'verify',
      file,
      '--at',
      'document',
      '--pcr',
      `0=${vector?.pcrs['0']}`,
      '--json',
    ]);
    expect(run.status).toBe(0);
    const out = run.json<{
      valid: boolean;
      moduleId: string;
      timestamp: number;
      pcrs: Record<string, string>;
      path: unknown[];
    }>();
    expect(out).toMatchObject({ valid: true, moduleId: vector?.module_id, timestamp: vector?.timestamp_ms });
    expect(out.pcrs['0']).toBe(vector?.pcrs['0']);
    expect(out.path).toHaveLength(5);
  });

  it('prints a readable verdict without --json', () => {
    const run = runCli(['attestation', 'verify', file, '--at', String(vector?.timestamp_ms)]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`valid: ${vector?.module_id}`);
    expect(run.stdout).toContain('PCR0');
  });

  it('reads base64 and hex from stdin', () => {
    const bytes = Buffer.from(readVector(vector?.file ?? ''));
    for (const text of [
      bytes.toString('base64'),
      `${bytes.toString('hex')}\n`,
      bytes.toString('base64url'),
    ]) {
      const run = runCli(['attestation', 'verify', '-', '--at', 'document', '--json'], text);
      expect(run.status).toBe(0);
      expect(run.json()).toMatchObject({ valid: true });
    }
  });

  it('refuses with exit 1 and the code: expired today, wrong PCR, wrong nonce, too old, tampered', () => {
    const tampered = new Uint8Array(readVector(vector?.file ?? ''));
    tampered[300] = (tampered[300] ?? 0) ^ 0x40;
    writeFileSync(join(work, 'tampered.cbor'), tampered);
    const cases: [string[], string][] = [
      [[file], 'ATTESTATION_CERT_EXPIRED'],
      [[file, '--at', 'document', '--pcr', `0=${'11'.repeat(48)}`], 'ATTESTATION_PCR_MISMATCH'],
      [[file, '--at', 'document', '--nonce', 'abcd'], 'ATTESTATION_NONCE_MISMATCH'],
      [[file, '--at', String((vector?.timestamp_ms ?? 0) + 120_000), '--max-age', '60'], 'ATTESTATION_STALE'],
      [[join(work, 'tampered.cbor'), '--at', 'document'], 'ATTESTATION_BAD_SIGNATURE'],
      [
        [join(VECTORS_DIR, 'attestation/self-signed-not-aws.cbor'), '--at', 'document'],
        'ATTESTATION_ROOT_UNTRUSTED',
      ],
    ];
    for (const [args, code] of cases) {
      const run = runCli(['attestation', 'verify', ...args, '--json']);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.json()).toMatchObject({ valid: false, code, message: expect.any(String) });
      const human = runCli(['attestation', 'verify', ...args]);
      expect(human.status).toBe(1);
      expect(human.stderr).toContain(code);
    }
  });

  it('trusts a simulator-style root only when given with --root', async () => {
    const at = Date.now();
    const chain = await nitroLikeChain(at);
    writeFileSync(join(work, 'doc.cbor'), signTestDocument({ chain, timestamp: at }));
    writeFileSync(join(work, 'root.pem'), derToPem(chain.root.der));
    const trusted = runCli([
      'attestation',
      'verify',
      join(work, 'doc.cbor'),
      '--root',
      join(work, 'root.pem'),
      '--json',
    ]);
    expect(trusted.status).toBe(0);
    const untrusted = runCli(['attestation', 'verify', join(work, 'doc.cbor'), '--json']);
    expect(untrusted.status).toBe(1);
    expect(untrusted.json()).toMatchObject({ code: 'ATTESTATION_ROOT_UNTRUSTED' });
  });

  it('exits 2 on usage and I/O errors', () => {
    expect(runCli(['attestation', 'verify']).status).toBe(2);
    expect(runCli(['attestation', 'verify', file, '--bogus']).status).toBe(2);
    const badPcr = runCli(['attestation', 'verify', file, '--pcr', '0:abcd', '--json']);
    expect(badPcr.status).toBe(2);
    expect(badPcr.json()).toMatchObject({ code: 'CLI_USAGE' });
    const badAt = runCli(['attestation', 'verify', file, '--at', 'yesterday', '--json']);
    expect(badAt.status).toBe(2);
    const missing = runCli(['attestation', 'verify', join(work, 'nope.cbor'), '--json']);
    expect(missing.status).toBe(2);
    expect(missing.json()).toMatchObject({ code: 'CLI_IO' });
    const missingRoot = runCli(['attestation', 'verify', file, '--root', join(work, 'nope.pem')]);
    expect(missingRoot.status).toBe(2);
    expect(missingRoot.stderr).toContain('CLI_IO');
  });

  it('prints help and version with exit 0', () => {
    const help = runCli(['attestation', 'verify', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--pcr <index=hex>');
    expect(runCli(['--version']).status).toBe(0);
  });
});

describe('nitro-mpc attestation inspect', () => {
  it('decodes fields, certificates and PCRs without verifying', () => {
    const run = runCli(['attestation', 'inspect', file, '--json']);
    expect(run.status).toBe(0);
    const out = run.json<{
      moduleId: string;
      certificates: { subject: string }[];
      pcrs: Record<string, string>;
      publicKey: string;
    }>();
    expect(out.moduleId).toBe(vector?.module_id);
    expect(out.certificates).toHaveLength(5);
    expect(out.certificates[4]?.subject).toContain('aws.nitro-enclaves');
    expect(out.publicKey).toBe(vector?.public_key);
    expect(Object.keys(out.pcrs)).toHaveLength(16);
    const human = runCli(['attestation', 'inspect', file]);
    expect(human.status).toBe(0);
    expect(human.stdout).toContain('PCR15');
  });

  it('refuses a malformed document with exit 1 and its code', () => {
    writeFileSync(join(work, 'garbage.bin'), Buffer.from([0x84, 0x01, 0x02]));
    const run = runCli(['attestation', 'inspect', join(work, 'garbage.bin'), '--json']);
    expect(run.status).toBe(1);
    expect(run.json()).toMatchObject({ code: 'ATTESTATION_MALFORMED' });
  });
});

beforeAll(() => {
  expect(vector).toBeDefined();
});
