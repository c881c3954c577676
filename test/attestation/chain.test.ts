import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AttestationError,
  CertificateCache,
  derToPem,
  validateCertificateChain,
  validateCertificateChainSync,
  verifyAttestationDocument,
  verifyAttestationDocumentSync,
} from '../../attestation/index.js';
import {
  issueCertificate,
  type NitroLikeChain,
  nitroLikeChain,
  signTestDocument,
  type TestCert,
} from '../helpers/pki.js';

const AT = Date.parse('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const CA_USAGE = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

/** Valid from a day before AT to a day after. */
const DAY_AROUND_AT = { notBefore: new Date(AT - DAY), notAfter: new Date(AT + DAY) } as const;

let chain: NitroLikeChain;

beforeAll(async () => {
  chain = await nitroLikeChain(AT);
});

async function failure(promise: Promise<unknown>): Promise<AttestationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AttestationError);
  return error as AttestationError;
}

function validate(leaf: TestCert, intermediates: readonly TestCert[], roots: readonly TestCert[], at = AT) {
  return validateCertificateChain({
    leaf: leaf.der,
    intermediates: intermediates.map((c) => c.der),
    roots: roots.map((c) => c.der),
    at,
    cache: false,
  });
}

describe('validateCertificateChain', () => {
  it('builds the Nitro-shaped path from an unordered pool and returns it leaf first', async () => {
    const { leaf, instance, zonal, regional, root } = chain;
    const result = await validate(leaf, [zonal, root, instance, regional], [root]);
    expect(result.path.map((c) => c.subject)).toEqual(
      [leaf, instance, zonal, regional, root].map((c) => c.cert.subject.split(', ').join(', ')),
    );
    expect(result.root.fingerprint).toBe(result.path[4]?.fingerprint);
  });

  it('accepts certificates as DER, PEM text and X509Certificate objects', async () => {
    const { leaf, instance, zonal, regional, root } = chain;
    const result = await validateCertificateChain({
      leaf: leaf.cert,
      intermediates: [derToPem(instance.der), zonal.cert, regional.der],
      roots: [derToPem(root.der)],
      at: new Date(AT),
    });
    expect(result.path).toHaveLength(5);
  });

  it('never trusts the root in the bundle: without it among the roots the path is untrusted', async () => {
    const { leaf, instance, zonal, regional, root } = chain;
    const error = await failure(
      validateCertificateChain({
        leaf: leaf.der,
        intermediates: [root, regional, zonal, instance].map((c) => c.der),
        at: AT,
      }),
    );
    expect(error.code).toBe('ATTESTATION_ROOT_UNTRUSTED');
    expect(error.message).toContain(root.cert.subject.split(', ').join(', '));
  });

  it('reports a missing intermediate as an untrusted path', async () => {
    const { leaf, instance, regional, root } = chain;
    expect((await failure(validate(leaf, [instance, regional], [root]))).code).toBe(
      'ATTESTATION_ROOT_UNTRUSTED',
    );
  });

  it('refuses a certificate signed by another key than its named issuer (wrong issuer)', async () => {
    const impostor = await issueCertificate({
      subject: chain.instance.cert.subject, // same name, different key
      issuer: chain.zonal,
      ...DAY_AROUND_AT,
      ca: true,
      pathLength: 0,
      keyUsage: CA_USAGE,
    });
    const { leaf, zonal, regional, root } = chain;
    const error = await failure(validate(leaf, [impostor, zonal, regional], [root]));
    expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
    expect(error.message).toContain('does not verify');
  });

  it('refuses an expired intermediate', async () => {
    const { leaf, instance, zonal, regional, root } = chain;
    const expired = await issueCertificate({
      subject: zonal.cert.subject,
      keys: zonal.keys,
      issuer: regional,
      notBefore: new Date(AT - 10 * DAY),
      notAfter: new Date(AT - DAY),
      ca: true,
      pathLength: 1,
      keyUsage: CA_USAGE,
    });
    const error = await failure(validate(leaf, [instance, expired, regional], [root]));
    expect(error.code).toBe('ATTESTATION_CERT_EXPIRED');
    expect(error.details).toMatchObject({ subject: expect.stringContaining('zonal') });
  });

  it('refuses a certificate whose signature fails for its signature, not for its (unauthenticated) dates, in both forms', async () => {
    const { leaf, instance, zonal, regional, root } = chain;
    // Names the regional CA as its issuer, is signed by another key, and is expired: a changed byte in a real
    // document's date does both at once.
    const otherRegional = await issueCertificate({
      subject: regional.cert.subject,
      issuer: root,
      ...DAY_AROUND_AT,
      ca: true,
      pathLength: 2,
      keyUsage: CA_USAGE,
    });
    const forged = await issueCertificate({
      subject: zonal.cert.subject,
      keys: zonal.keys,
      issuer: otherRegional,
      notBefore: new Date(AT - 10 * DAY),
      notAfter: new Date(AT - DAY),
      ca: true,
      pathLength: 1,
      keyUsage: CA_USAGE,
    });
    const asyncError = await failure(validate(leaf, [instance, forged, regional], [root]));
    let syncError: unknown;
    try {
      validateCertificateChainSync({
        leaf: leaf.der,
        intermediates: [instance, forged, regional].map((c) => c.der),
        roots: [root.der],
        at: AT,
        cache: false,
      });
    } catch (error) {
      syncError = error;
    }
    expect(asyncError.code).toBe('ATTESTATION_CHAIN_INVALID');
    expect(asyncError.message).toContain('does not verify');
    expect(syncError).toMatchObject({ code: 'ATTESTATION_CHAIN_INVALID', message: asyncError.message });
  });

  it('prefers a valid issuer over an expired one with the same name and key', async () => {
    const { leaf, instance, zonal, regional, root } = chain;
    const expired = await issueCertificate({
      subject: zonal.cert.subject,
      keys: zonal.keys,
      issuer: regional,
      notBefore: new Date(AT - 10 * DAY),
      notAfter: new Date(AT - DAY),
      ca: true,
      pathLength: 1,
      keyUsage: CA_USAGE,
    });
    const result = await validate(leaf, [instance, expired, zonal, regional], [root]);
    expect(result.path[2]?.fingerprint).not.toBe(undefined);
    expect(result.path[2]?.notAfter).toBe(zonal.cert.notAfter.getTime());
  });

  it('refuses a CA certificate without cA=true', async () => {
    const notCa = await issueCertificate({
      subject: 'CN=not a CA',
      issuer: chain.root,
      ...DAY_AROUND_AT,
      ca: false,
      keyUsage: CA_USAGE,
    });
    const leaf = await issueCertificate({
      subject: 'CN=leaf',
      issuer: notCa,
      ...DAY_AROUND_AT,
      ca: false,
    });
    const error = await failure(validate(leaf, [notCa], [chain.root]));
    expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
    expect(error.message).toContain('is not a CA');
  });

  it('refuses a CA certificate with no basicConstraints at all', async () => {
    const bare = await issueCertificate({
      subject: 'CN=no basic constraints',
      issuer: chain.root,
      ...DAY_AROUND_AT,
    });
    const leaf = await issueCertificate({
      subject: 'CN=leaf',
      issuer: bare,
      ...DAY_AROUND_AT,
    });
    expect((await failure(validate(leaf, [bare], [chain.root]))).code).toBe('ATTESTATION_CHAIN_INVALID');
  });

  it('refuses a leaf used as a CA', async () => {
    const below = await issueCertificate({
      subject: 'CN=issued by a leaf',
      issuer: chain.leaf,
      ...DAY_AROUND_AT,
      ca: false,
    });
    const { leaf, instance, zonal, regional, root } = chain;
    const error = await failure(validate(below, [leaf, instance, zonal, regional], [root]));
    expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
    expect(error.message).toContain('is not a CA');
  });

  it('refuses a path longer than a CA pathLenConstraint allows', async () => {
    // The instance CA has pathLen 0: one more CA under it exceeds it.
    const extra = await issueCertificate({
      subject: 'CN=one CA too many',
      issuer: chain.instance,
      ...DAY_AROUND_AT,
      ca: true,
      keyUsage: CA_USAGE,
    });
    const leaf = await issueCertificate({
      subject: 'CN=leaf',
      issuer: extra,
      ...DAY_AROUND_AT,
      ca: false,
    });
    const { instance, zonal, regional, root } = chain;
    const error = await failure(validate(leaf, [extra, instance, zonal, regional], [root]));
    expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
    expect(error.message).toContain('pathLenConstraint');
    expect(error.details).toMatchObject({ pathLength: 0, below: 1 });
  });

  it('refuses an unknown critical extension, and accepts the same one when not critical', async () => {
    const make = (critical: boolean) =>
      issueCertificate({
        subject: 'CN=leaf with a private extension',
        issuer: chain.instance,
        ...DAY_AROUND_AT,
        ca: false,
        extensions: [new x509.Extension('1.3.6.1.4.1.55555.1', critical, new Uint8Array([0x05, 0x00]))],
      });
    const { instance, zonal, regional, root } = chain;
    const error = await failure(validate(await make(true), [instance, zonal, regional], [root]));
    expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
    expect(error.details).toMatchObject({ extensions: ['1.3.6.1.4.1.55555.1'] });
    await expect(validate(await make(false), [instance, zonal, regional], [root])).resolves.toBeDefined();
  });

  it('refuses a CA whose keyUsage lacks keyCertSign', async () => {
    const ca = await issueCertificate({
      subject: 'CN=CA that may only sign data',
      issuer: chain.root,
      ...DAY_AROUND_AT,
      ca: true,
      keyUsage: x509.KeyUsageFlags.digitalSignature,
    });
    const leaf = await issueCertificate({
      subject: 'CN=leaf',
      issuer: ca,
      ...DAY_AROUND_AT,
    });
    const error = await failure(validate(leaf, [ca], [chain.root]));
    expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
    expect(error.message).toContain('keyCertSign');
  });

  it('refuses a leaf whose keyUsage does not allow signatures', async () => {
    const leaf = await issueCertificate({
      subject: 'CN=encryption-only leaf',
      issuer: chain.instance,
      ...DAY_AROUND_AT,
      ca: false,
      keyUsage: x509.KeyUsageFlags.keyEncipherment,
    });
    const { instance, zonal, regional, root } = chain;
    expect((await failure(validate(leaf, [instance, zonal, regional], [root]))).code).toBe(
      'ATTESTATION_CHAIN_INVALID',
    );
  });

  it('refuses a root that is not yet valid, and reports times only for paths that reach a trusted root', async () => {
    const { leaf, instance, zonal, regional, root } = chain;
    const early = AT - 400 * DAY;
    const error = await failure(validate(leaf, [instance, zonal, regional], [root], early));
    expect(error.code).toBe('ATTESTATION_CERT_NOT_YET_VALID');
  });

  it('enforces maxDepth', async () => {
    const { leaf, instance, zonal, regional, root } = chain;
    const error = await failure(
      validateCertificateChain({
        leaf: leaf.der,
        intermediates: [instance, zonal, regional].map((c) => c.der),
        roots: [root.der],
        at: AT,
        maxDepth: 4,
      }),
    );
    expect(error.code).toBe('ATTESTATION_CHAIN_INVALID');
    expect(error.message).toContain('longer than 4');
  });

  it('refuses garbage certificates with typed errors', async () => {
    const garbage = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
    expect((await failure(validateCertificateChain({ leaf: garbage, at: AT }))).code).toBe(
      'ATTESTATION_MALFORMED',
    );
    expect(
      (await failure(validateCertificateChain({ leaf: chain.leaf.der, roots: [garbage], at: AT }))).code,
    ).toBe('ATTESTATION_POLICY_INVALID');
    expect((await failure(validateCertificateChain({ leaf: 'not pem', at: AT }))).code).toBe(
      'ATTESTATION_MALFORMED',
    );
    expect((await failure(validateCertificateChain({ leaf: chain.leaf.der, roots: [], at: AT }))).code).toBe(
      'ATTESTATION_POLICY_INVALID',
    );
    expect((await failure(validateCertificateChain({ leaf: chain.leaf.der, at: Number.NaN }))).code).toBe(
      'ATTESTATION_POLICY_INVALID',
    );
  });
});

describe('CertificateCache', () => {
  it('remembers parses and signatures but still checks validity on every call', async () => {
    const cache = new CertificateCache({ maxEntries: 64 });
    const { leaf, instance, zonal, regional, root } = chain;
    const intermediates = [instance, zonal, regional].map((c) => c.der);
    await validateCertificateChain({ leaf: leaf.der, intermediates, roots: [root.der], at: AT, cache });
    expect(cache.size).toEqual({ parsed: 5, verified: 4 });
    const later = leaf.cert.notAfter.getTime() + 1000;
    const error = await failure(
      validateCertificateChain({ leaf: leaf.der, intermediates, roots: [root.der], at: later, cache }),
    );
    expect(error.code).toBe('ATTESTATION_CERT_EXPIRED');
  });

  it('never lets a cached path admit a root the caller did not pass', async () => {
    const cache = new CertificateCache();
    const { leaf, instance, zonal, regional, root } = chain;
    const intermediates = [root, instance, zonal, regional].map((c) => c.der);
    await validateCertificateChain({ leaf: leaf.der, intermediates, roots: [root.der], at: AT, cache });
    // Another root with the same name but its own key: the cached regional→root signature does not apply to it.
    const other = await nitroLikeChain(AT);
    const error = await failure(
      validateCertificateChain({ leaf: leaf.der, intermediates, roots: [other.root.der], at: AT, cache }),
    );
    expect(error.code).toBe('ATTESTATION_ROOT_UNTRUSTED');
    expect(error.message).toContain('another root with the same name');
  });

  it('stays within its bound', async () => {
    const cache = new CertificateCache({ maxEntries: 2 });
    const { leaf, instance, zonal, regional, root } = chain;
    await validateCertificateChain({
      leaf: leaf.der,
      intermediates: [instance, zonal, regional].map((c) => c.der),
      roots: [root.der],
      at: AT,
      cache,
    });
    expect(cache.size.parsed).toBeLessThanOrEqual(2);
    expect(cache.size.verified).toBeLessThanOrEqual(2);
  });
});

describe('documents signed by a test chain', () => {
  it('verify with the test root passed as trusted, and only then', async () => {
    const doc = signTestDocument({ chain, timestamp: AT });
    await expect(verifyAttestationDocument(doc, { roots: [chain.root.der], at: AT })).resolves.toBeDefined();
    expect((await failure(verifyAttestationDocument(doc, { at: AT }))).code).toBe(
      'ATTESTATION_ROOT_UNTRUSTED',
    );
  });

  it('are reported as foreign when another hierarchy with the same names is trusted', async () => {
    const other = await nitroLikeChain(AT);
    const doc = signTestDocument({ chain, timestamp: AT });
    for (const verify of [
      verifyAttestationDocument,
      async (...args: Parameters<typeof verifyAttestationDocumentSync>) =>
        verifyAttestationDocumentSync(...args),
    ]) {
      const error = await failure(verify(doc, { roots: [other.root.der], at: AT, cache: false }));
      expect(error.code).toBe('ATTESTATION_ROOT_UNTRUSTED');
    }
  });

  it('refuse a document signed by a key other than the leaf', async () => {
    const other = await nitroLikeChain(AT);
    const doc = signTestDocument({ chain, timestamp: AT, signingKey: other.leaf.privateKey });
    const error = await failure(verifyAttestationDocument(doc, { roots: [chain.root.der], at: AT }));
    expect(error.code).toBe('ATTESTATION_BAD_SIGNATURE');
  });
});
