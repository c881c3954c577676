import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derToPem } from '../../attestation/index.js';
import { bytesSource, checkEif, measureEif } from '../../parent/eif/index.js';
import { issueCertificate, type TestCert } from '../helpers/pki.js';
import { buildEif, type EifParts } from './build-eif.js';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'nitro-mpc-eif-sig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const parts: EifParts = {
  kernel: new TextEncoder().encode('kernel image bytes'),
  cmdline: 'console=ttyS0',
  ramdisks: [new TextEncoder().encode('boot'), new TextEncoder().encode('app')],
};

let current: TestCert;
let expired: TestCert;
let future: TestCert;
let other: TestCert;

beforeAll(async () => {
  const now = Date.now();
  const cert = (subject: string, from: number, to: number) =>
    issueCertificate({ subject: `CN=${subject}`, notBefore: new Date(from), notAfter: new Date(to) });
  current = await cert('current signer', now - DAY, now + 365 * DAY);
  expired = await cert('expired signer', now - 30 * DAY, now - DAY);
  future = await cert('future signer', now + DAY, now + 30 * DAY);
  other = await cert('other signer', now - DAY, now + 365 * DAY);
});

function signedWith(cert: TestCert, key = cert, pcr0?: Uint8Array): Uint8Array {
  return buildEif({
    ...parts,
    sign: {
      certificatePem: derToPem(cert.der),
      privateKey: key.privateKey,
      ...(pcr0 === undefined ? {} : { pcr0 }),
    },
  });
}

describe('signed images: PCR8 and the pre-launch check', () => {
  it('PCR8 = SHA384(zeros48 || SHA384(certificate DER)), checked with openssl', async () => {
    const m = await measureEif(bytesSource(signedWith(current)));
    writeFileSync(join(dir, 'cert.der'), current.der);
    const inner = execFileSync('openssl', ['dgst', '-sha384', '-binary', join(dir, 'cert.der')]);
    writeFileSync(join(dir, 'ext'), Buffer.concat([Buffer.alloc(48), inner]));
    const pcr8 = execFileSync('openssl', ['dgst', '-sha384', '-r', join(dir, 'ext')])
      .toString()
      .split(' ')[0];
    expect(m.signed).toBe(true);
    expect(m.pcrs.PCR8).toBe(pcr8);
    // Signing adds PCR8 but leaves the image's PCRs alone.
    const unsigned = await measureEif(bytesSource(buildEif(parts)));
    expect({ ...m.pcrs, PCR8: undefined }).toEqual({ ...unsigned.pcrs, PCR8: undefined });
  });

  it('a current certificate and a good signature pass', async () => {
    const report = await checkEif(bytesSource(signedWith(current)));
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('an expired signing certificate is reported clearly, with its dates', async () => {
    const report = await checkEif(bytesSource(signedWith(expired)));
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({
      code: 'EIF_CERT_EXPIRED',
      details: { subject: 'CN=expired signer' },
    });
    expect(report.problems[0]?.message).toMatch(/expired at .*run-enclave will refuse/);
    // Measuring still works: the PCRs do not depend on the certificate's dates.
    expect((await measureEif(bytesSource(signedWith(expired)))).pcrs.PCR8).toMatch(/^[0-9a-f]{96}$/);
  });

  it('a certificate not yet valid, and one about to expire (warning)', async () => {
    const report = await checkEif(bytesSource(signedWith(future)));
    expect(report.problems.map((p) => p.code)).toEqual(['EIF_CERT_NOT_YET_VALID']);
    const soon = await checkEif(bytesSource(signedWith(current)), { at: Date.now() + 350 * DAY });
    expect(soon.ok).toBe(true);
    expect(soon.warnings.join()).toMatch(/expires in 1[45] days/);
  });

  it('a signature by another key, and a signature over another PCR0', async () => {
    const wrongKey = await checkEif(bytesSource(signedWith(current, other)));
    expect(wrongKey.problems.map((p) => p.code)).toEqual(['EIF_SIGNATURE_INVALID']);
    const wrongPcr = await checkEif(bytesSource(signedWith(current, current, new Uint8Array(48).fill(7))));
    expect(wrongPcr.problems.map((p) => p.code)).toEqual(['EIF_SIGNATURE_MISMATCH']);
  });

  it('a changed kernel byte in an image with an expired certificate: every problem is reported', async () => {
    const bad = signedWith(expired).slice();
    bad[548 + 12] = (bad[548 + 12] ?? 0) ^ 0xff;
    const report = await checkEif(bytesSource(bad));
    expect(report.problems.map((p) => p.code).sort()).toEqual([
      'EIF_CERT_EXPIRED',
      'EIF_CRC_MISMATCH',
      'EIF_SIGNATURE_MISMATCH',
    ]);
  });
});
