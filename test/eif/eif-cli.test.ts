import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from '../../attestation/index.js';
import { runCli } from '../helpers/cli.js';
import { issueCertificate } from '../helpers/pki.js';
import { buildEif, type EifParts, expectedPcr0 } from './build-eif.js';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-eif-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parts: EifParts = {
  kernel: new TextEncoder().encode('bzImage'),
  cmdline: 'console=ttyS0',
  ramdisks: [new TextEncoder().encode('init'), new TextEncoder().encode('app')],
};
let good: string;
let expired: string;

beforeAll(async () => {
  good = join(dir, 'good.eif');
  writeFileSync(good, buildEif(parts));
  const old = await issueCertificate({
    subject: 'CN=old signer',
    notBefore: new Date(Date.now() - 60 * DAY),
    notAfter: new Date(Date.now() - DAY),
  });
  expired = join(dir, 'expired.eif');
  writeFileSync(
    expired,
    buildEif({ ...parts, sign: { certificatePem: derToPem(old.der), privateKey: old.privateKey } }),
  );
});

describe('nitro-mpc measure / eif check', () => {
  it('measure prints the PCRs; --json as one object', () => {
    const pcr0 = Buffer.from(expectedPcr0(parts)).toString('hex');
    const text = runCli(['measure', good]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`PCR0  ${pcr0}`);
    const json = runCli(['measure', good, '--json']);
    expect(json.json()).toMatchObject({ ok: true, version: 4, signed: false, pcrs: { PCR0: pcr0 } });
  });

  it('a corrupted file: exit 1 with the code; a missing file: exit 2', () => {
    const bad = join(dir, 'bad.eif');
    const bytes = buildEif(parts);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    writeFileSync(bad, bytes);
    const run = runCli(['measure', bad, '--json']);
    expect(run.status).toBe(1);
    expect(run.json()).toMatchObject({ ok: false, code: 'EIF_CRC_MISMATCH' });
    writeFileSync(bad, bytes.subarray(0, 100));
    expect(runCli(['eif', 'measure', bad]).stderr).toMatch(/EIF_TRUNCATED/);
    expect(runCli(['measure', join(dir, 'absent.eif')]).status).toBe(2);
  });

  it('eif check: ok for a good image, the expired signing certificate reported for a bad one', () => {
    const ok = runCli(['eif', 'check', good]);
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/not signed/);
    const run = runCli(['eif', 'check', expired, '--json']);
    expect(run.status).toBe(1);
    const report = run.json<{ ok: boolean; problems: { code: string }[]; pcrs: { PCR8: string } }>();
    expect(report.problems.map((p) => p.code)).toEqual(['EIF_CERT_EXPIRED']);
    expect(report.pcrs.PCR8).toMatch(/^[0-9a-f]{96}$/);
    expect(runCli(['eif', 'check', expired]).stderr).toMatch(
      /EIF_CERT_EXPIRED: the EIF signing certificate expired at/,
    );
    // Checked at a time when the certificate was valid, the image passes.
    expect(
      runCli(['eif', 'check', expired, '--at', new Date(Date.now() - 30 * DAY).toISOString()]).status,
    ).toBe(0);
  });
});
