/**
 * `npm run demo`: the main job. Until the enclave, simulator and parent land it shows the first capability a
 * party needs: verifying real AWS Nitro attestation documents, and refusing altered or foreign ones, through the
 * real CLI in separate processes. Later issues grow it into the full simulated end-to-end session.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const vectors = resolve(root, '../shared/vectors/attestation');
const cli = join(root, 'dist/cli.js');
const json = process.argv.includes('--json');

if (!existsSync(cli)) spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
if (!existsSync(vectors)) {
  process.stderr.write(`demo: the real AWS test vectors are expected in ${vectors}\n`);
  process.exit(2);
}

interface Case {
  readonly title: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly expect: 'valid' | string;
}

const index = JSON.parse(readFileSync(join(vectors, 'index.json'), 'utf8')) as {
  file: string;
  pcrs: Record<string, string>;
}[];
const work = mkdtempSync(join(tmpdir(), 'nitro-mpc-demo-'));
const real = index.find((v) => v.file === 'aws-2025-04-04-rsa-public-key.cbor');
if (!real) throw new Error('vector aws-2025-04-04-rsa-public-key.cbor is missing from index.json');
const realPath = join(vectors, real.file);
const tampered = Buffer.from(readFileSync(realPath));
tampered[tampered.length - 200] = (tampered[tampered.length - 200] ?? 0) ^ 0x01;
writeFileSync(join(work, 'tampered.cbor'), tampered);

const cases: Case[] = [
  {
    title: 'real AWS document, at its own time, with its PCR0..2 as policy',
    file: realPath,
    args: [
      '--at',
      'document',
      '--pcr',
      `0=${real.pcrs['0']}`,
      '--pcr',
      `1=${real.pcrs['1']}`,
      '--pcr',
      `2=${real.pcrs['2']}`,
    ],
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

const results = cases.map((c) => {
  const run = spawnSync(process.execPath, [cli, 'attestation', 'verify', c.file, ...c.args, '--json'], {
    encoding: 'utf8',
  });
  const out = JSON.parse(run.stdout) as { valid: boolean; code?: string; moduleId?: string };
  const verdict = out.valid ? 'valid' : (out.code ?? 'unknown');
  return { title: c.title, verdict, expected: c.expect, exitCode: run.status, ok: verdict === c.expect };
});
rmSync(work, { recursive: true, force: true });

if (json) process.stdout.write(`${JSON.stringify({ demo: 'attestation', results }, null, 2)}\n`);
else {
  process.stdout.write(
    'nitro-mpc demo: verifying real AWS Nitro attestation documents with `nitro-mpc attestation verify`\n\n',
  );
  for (const r of results) {
    process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.title}\n     -> ${r.verdict} (exit ${r.exitCode})\n`);
  }
}
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
