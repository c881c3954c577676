/**
 * Demo part 1: the first check a party makes, on real AWS Nitro attestation documents, through the real CLI in
 * separate processes: a valid one accepted; altered, foreign, expired and debug ones refused with their codes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface CheckResult {
  readonly title: string;
  readonly verdict: string;
  readonly expected: string;
  readonly ok: boolean;
}

interface Case {
  readonly title: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly expect: string;
}

export function attestationChecks(root: string): CheckResult[] {
  const vectors = resolve(root, '../shared/vectors/attestation');
  const cli = join(root, 'dist/cli.js');
  if (!existsSync(vectors)) throw new Error(`the real AWS test vectors are expected in ${vectors}`);
  const index = JSON.parse(readFileSync(join(vectors, 'index.json'), 'utf8')) as {
    file: string;
    pcrs: Record<string, string>;
  }[];
  const real = index.find((v) => v.file === 'aws-2025-04-04-rsa-public-key.cbor');
  if (!real) throw new Error('vector aws-2025-04-04-rsa-public-key.cbor is missing from index.json');
  const work = mkdtempSync(join(tmpdir(), 'nitro-mpc-demo-'));
  const realPath = join(vectors, real.file);
  const tampered = Buffer.from(readFileSync(realPath));
  tampered[tampered.length - 200] = (tampered[tampered.length - 200] ?? 0) ^ 0x01;
  writeFileSync(join(work, 'tampered.cbor'), tampered);
  const pcr = (i: number) => ['--pcr', `${i}=${real.pcrs[String(i)]}`];
  const cases: Case[] = [
    {
      title: 'real AWS document, at its own time, with its PCR0..2 as policy',
      file: realPath,
      args: ['--at', 'document', ...pcr(0), ...pcr(1), ...pcr(2)],
      expect: 'valid',
    },
    {
      title: 'the same document, expecting another PCR0',
      file: realPath,
      args: ['--at', 'document', '--pcr', `0=${'00'.repeat(47)}01`],
      expect: 'ATTESTATION_PCR_MISMATCH',
    },
    {
      title: 'the same document, one bit flipped',
      file: join(work, 'tampered.cbor'),
      args: ['--at', 'document'],
      expect: 'ATTESTATION_BAD_SIGNATURE',
    },
    {
      title: 'the same document, today (its leaf lived 3 hours)',
      file: realPath,
      args: [],
      expect: 'ATTESTATION_CERT_EXPIRED',
    },
    {
      title: 'a debug-mode enclave (PCR0..2 zero)',
      file: join(vectors, 'aws-2023-09-18.cbor'),
      args: ['--at', 'document'],
      expect: 'ATTESTATION_DEBUG_ENCLAVE',
    },
    {
      title: 'a self-signed document that is not from AWS',
      file: join(vectors, 'self-signed-not-aws.cbor'),
      args: ['--at', 'document'],
      expect: 'ATTESTATION_ROOT_UNTRUSTED',
    },
  ];
  try {
    return cases.map((c) => {
      const run = spawnSync(process.execPath, [cli, 'attestation', 'verify', c.file, ...c.args, '--json'], {
        encoding: 'utf8',
      });
      const out = JSON.parse(run.stdout) as { valid: boolean; code?: string };
      const verdict = out.valid ? 'valid' : (out.code ?? 'unknown');
      return { title: c.title, verdict, expected: c.expect, ok: verdict === c.expect };
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
