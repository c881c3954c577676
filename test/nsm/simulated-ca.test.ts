/** The simulator's CA: shaped like AWS's, kept in the state directory, renewed as time passes. */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Name } from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { decodeAttestationDocument, derToPem, verifyAttestationDocument } from '../../attestation/index.js';
import {
  createSimulatedNsm,
  rootCertificatePath,
  simulatorRootCertificate,
} from '../../simulator/nsm/index.js';
import { readVector } from '../helpers/vectors.js';
import { hex, rejectionCode, stateDirs } from './fixtures.js';

const newStateDir = stateDirs();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2030-01-10T08:00:00Z');

/** The document's chain, root first then down to the leaf. */
function chainOf(document: Uint8Array): x509.X509Certificate[] {
  const { cabundle, certificate } = decodeAttestationDocument(document).document;
  return [...cabundle, certificate].map((der) => new x509.X509Certificate(der));
}

/** Each certificate's extensions as `oid!` (critical) or `oid`, in order; CRL distribution points left out. */
function extensionProfile(cert: x509.X509Certificate): string[] {
  return cert.extensions
    .filter((e) => e.type !== '2.5.29.31')
    .map((e) => `${e.type}${e.critical ? '!' : ''}`);
}

/** Each RDN's attribute type and ASN.1 string type, in order: `2.5.4.6:printableString`, ... */
function nameProfile(name: x509.Name): string[] {
  return AsnConvert.parse(name.toArrayBuffer(), Name).flatMap((rdn) =>
    rdn.map((attribute) => {
      const kind = Object.entries(attribute.value).find(([, v]) => typeof v === 'string')?.[0];
      return `${attribute.type}:${kind}`;
    }),
  );
}

function lifetime(cert: x509.X509Certificate): number {
  return cert.notAfter.getTime() - cert.notBefore.getTime();
}

describe('the certificate hierarchy', () => {
  it('has the shape of a real AWS chain: names, extensions, criticality, pathLen, key usage, curve', async () => {
    const sim = await createSimulatedNsm({ stateDir: newStateDir() });
    const simulated = chainOf(await sim.attest());
    const real = chainOf(readVector('aws-2024-09-07-nonce-user-data.cbor'));
    expect(simulated.map(extensionProfile)).toEqual(real.map(extensionProfile));
    expect(simulated.map((c) => nameProfile(c.subjectName))).toEqual(
      real.map((c) => nameProfile(c.subjectName)),
    );
    expect(simulated.map((c) => c.signatureAlgorithm)).toEqual(real.map((c) => c.signatureAlgorithm));
    for (const [i, cert] of simulated.entries()) {
      expect(cert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-384' });
      const bc = cert.getExtension(x509.BasicConstraintsExtension);
      const realBc = (real[i] as x509.X509Certificate).getExtension(x509.BasicConstraintsExtension);
      expect([bc?.ca, bc?.pathLength]).toEqual([realBc?.ca, realBc?.pathLength]);
      expect(cert.getExtension(x509.KeyUsagesExtension)?.usages).toBe(
        (real[i] as x509.X509Certificate).getExtension(x509.KeyUsagesExtension)?.usages,
      );
    }
    expect(simulated.map((c) => c.subject.split('CN=')[1]?.split(',')[0])).toEqual([
      expect.stringMatching(/^[0-9a-f]{16}\.sim\.nitro-enclaves$/),
      expect.stringMatching(/^[0-9a-f]{16}\.us-east-1\.sim\.nitro-enclaves$/),
      expect.stringMatching(/^[0-9a-f]{16}\.zonal\.us-east-1\.sim\.nitro-enclaves$/),
      `${sim.instanceId}.us-east-1.sim.nitro-enclaves`,
      `${sim.moduleId}.us-east-1.sim`,
    ]);
  });

  it('links each certificate to its issuer by name, key identifier and signature', async () => {
    const chain = chainOf(await (await createSimulatedNsm({ stateDir: newStateDir() })).attest());
    for (let i = 1; i < chain.length; i++) {
      const [issuer, subject] = [chain[i - 1] as x509.X509Certificate, chain[i] as x509.X509Certificate];
      expect(subject.issuer).toBe(issuer.subject);
      expect(await subject.verify({ publicKey: issuer.publicKey, signatureOnly: true })).toBe(true);
      const aki = subject.getExtension(x509.AuthorityKeyIdentifierExtension);
      if (aki) expect(aki.keyId).toBe(issuer.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
    }
  });

  it('has lifetimes like AWS: root 30 years, regional ~20 days, zonal ~6, instance 1, leaf 3 hours', async () => {
    const sim = await createSimulatedNsm({ stateDir: newStateDir(), clock: () => T0 });
    const [root, regional, zonal, instance, leaf] = chainOf(await sim.attest()) as [
      x509.X509Certificate,
      x509.X509Certificate,
      x509.X509Certificate,
      x509.X509Certificate,
      x509.X509Certificate,
    ];
    const minute = 60_000;
    expect(root.notAfter.getUTCFullYear() - root.notBefore.getUTCFullYear()).toBe(30);
    expect(lifetime(regional)).toBe(20 * DAY + HOUR + minute);
    expect(lifetime(zonal)).toBe(5 * DAY + 19 * HOUR + minute);
    expect(lifetime(instance)).toBe(DAY + minute);
    expect(lifetime(leaf)).toBe(3 * HOUR + 3000);
    expect(leaf.notBefore.getTime()).toBe(T0 - 3000);
  });

  it('gives each leaf the serial AWS does: enclave id, then the issue time in seconds', async () => {
    const sim = await createSimulatedNsm({ stateDir: newStateDir(), clock: () => T0 });
    const leaf = chainOf(await sim.attest())[4] as x509.X509Certificate;
    const enclaveId = sim.moduleId.split('-enc')[1] as string;
    expect(leaf.serialNumber).toBe(`${enclaveId}${(T0 / 1000).toString(16).padStart(16, '0')}`);
    // Real enclave ids start with the enclave's start time in milliseconds.
    expect(Number.parseInt(enclaveId.slice(0, 12), 16)).toBe(T0);
  });

  it.runIf(hasOpenssl())('validates with OpenSSL, an independent X.509 implementation', async () => {
    const dir = newStateDir();
    const sim = await createSimulatedNsm({ stateDir: dir });
    const chain = chainOf(await sim.attest());
    const write = (name: string, certs: x509.X509Certificate[]) => {
      const path = join(dir, name);
      writeFileSync(path, certs.map((c) => derToPem(new Uint8Array(c.rawData))).join(''));
      return path;
    };
    const output = execFileSync(
      'openssl',
      [
        'verify',
        '-CAfile',
        rootCertificatePath(dir),
        '-untrusted',
        write('intermediates.pem', chain.slice(1, 4)),
        write('leaf.pem', chain.slice(4)),
      ],
      { encoding: 'utf8' },
    );
    expect(output.trim()).toMatch(/leaf\.pem: OK$/);
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the state directory', () => {
  it('keeps the root across restarts and gives it to parties as DER, PEM and a file', async () => {
    const stateDir = newStateDir();
    const first = await createSimulatedNsm({ stateDir });
    const document = await first.attest();
    await first.close();
    const second = await createSimulatedNsm({ stateDir });
    expect(hex(second.rootCertificate.der)).toBe(hex(first.rootCertificate.der));
    expect(second.instanceId).toBe(first.instanceId);
    expect(second.moduleId).not.toBe(first.moduleId); // another enclave run on the same instance
    const root = await simulatorRootCertificate(stateDir);
    expect(root.pem).toBe(derToPem(first.rootCertificate.der));
    expect(readFileSync(root.path, 'utf8')).toBe(root.pem);
    expect(root.path).toBe(rootCertificatePath(stateDir));
    await verifyAttestationDocument(document, { roots: [readFileSync(root.path, 'utf8')] });
  });

  it('is private: directory 0700, files 0600', async () => {
    const stateDir = newStateDir();
    await createSimulatedNsm({ stateDir });
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(join(stateDir, 'nsm'))).toBe(0o700);
    expect(mode(join(stateDir, 'nsm', 'ca.json'))).toBe(0o600);
    expect(mode(rootCertificatePath(stateDir))).toBe(0o600);
  });

  it('creates one CA even when two simulations start on it at once', async () => {
    const stateDir = newStateDir();
    const [a, b] = await Promise.all([createSimulatedNsm({ stateDir }), createSimulatedNsm({ stateDir })]);
    expect(hex(a.rootCertificate.der)).toBe(hex(b.rootCertificate.der));
    await verifyAttestationDocument(await a.attest(), { roots: [b.rootCertificate.der] });
  });

  it('refuses a corrupt or foreign state with NSM_SIMULATOR_STATE_INVALID', async () => {
    const stateDir = newStateDir();
    await createSimulatedNsm({ stateDir });
    const file = join(stateDir, 'nsm', 'ca.json');
    const good = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { privateKey: string }>;
    const tampered = [
      'not json',
      JSON.stringify({ ...good, format: 'something-else/1' }),
      // A key that does not belong to its certificate.
      JSON.stringify({ ...good, zonal: { ...good['zonal'], privateKey: good['instance']?.privateKey } }),
    ];
    for (const content of tampered) {
      writeFileSync(file, content);
      const error = await createSimulatedNsm({ stateDir }).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(error?.code).toBe('NSM_SIMULATOR_STATE_INVALID');
      expect(error?.message).toContain('delete');
    }
  });
});

describe('renewal', () => {
  it('reissues intermediates before they expire, keeps the root, and stores what it renewed', async () => {
    const stateDir = newStateDir();
    let now = T0;
    const sim = await createSimulatedNsm({ stateDir, clock: () => now });
    const fingerprint = (c: x509.X509Certificate) => hex(new Uint8Array(c.rawData));
    const chainAt = async (at: number) => {
      now = at;
      const document = await sim.attest();
      await verifyAttestationDocument(document, { roots: [sim.rootCertificate.der], at: 'document' });
      // Every certificate still valid three hours on: the chain outlives its leaf.
      await verifyAttestationDocument(document, {
        roots: [sim.rootCertificate.der],
        at: at + 3 * HOUR - 5000,
      });
      return chainOf(document).map(fingerprint);
    };
    const start = await chainAt(T0);
    const day = await chainAt(T0 + 22 * HOUR); // instance CA (1 day) has under 3 hours left
    expect(day.slice(0, 3)).toEqual(start.slice(0, 3));
    expect(day[3]).not.toBe(start[3]);
    const week = await chainAt(T0 + 6 * DAY); // zonal (5 d 19 h) expired: zonal and instance renewed
    expect(week.slice(0, 2)).toEqual(start.slice(0, 2));
    expect(week[2]).not.toBe(start[2]);
    const month = await chainAt(T0 + 21 * DAY); // regional (20 d) expired: all but the root renewed
    expect(month[0]).toBe(start[0]);
    expect(month[1]).not.toBe(start[1]);

    // A restart loads the renewed hierarchy instead of renewing again.
    const restarted = await createSimulatedNsm({ stateDir, clock: () => now });
    const afterRestart = chainOf(await restarted.attest()).map(fingerprint);
    expect(afterRestart.slice(0, 4)).toEqual(month.slice(0, 4));
  });

  it('refuses to sign once the root itself has expired', async () => {
    let now = T0;
    const sim = await createSimulatedNsm({ stateDir: newStateDir(), clock: () => now });
    now = T0 + 31 * 365 * DAY;
    expect(await rejectionCode(sim.attest())).toBe('NSM_SIMULATOR_STATE_INVALID');
  });
});
