import { createHash, type KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Extensions,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  KeyUsage,
  Validity,
} from '@peculiar/asn1-x509';
import { asBuffer, bytesEqual } from '../../common/bytes.js';
import { derChildren, readDerElement } from '../../common/der.js';

/** A certificate as callers hold one: DER bytes, PEM text, or an `X509Certificate` (node:crypto or @peculiar/x509). */
export type Cert = Uint8Array | string | NodeX509Certificate | { readonly rawData: ArrayBuffer };

/** Bits of the KeyUsage extension (RFC 5280 §4.2.1.3), as a bit mask. */
export const KEY_USAGE = { digitalSignature: 1, keyCertSign: 32 } as const;

/** Everything path validation needs from a certificate, parsed once. */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** SHA-256 of the DER, hex: the certificate's identity in caches and messages. */
  readonly fingerprint: string;
  readonly x509: NodeX509Certificate;
  readonly publicKey: KeyObject;
  readonly subject: string;
  readonly issuer: string;
  /** DER of the subject and issuer Names: chaining compares these bytes. */
  readonly subjectName: Uint8Array;
  readonly issuerName: Uint8Array;
  readonly notBefore: number;
  readonly notAfter: number;
  /** Absent when the certificate has no basicConstraints extension. */
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength: number | undefined } | undefined;
  /** KeyUsage bit mask; absent when the certificate has no keyUsage extension. */
  readonly keyUsage: number | undefined;
  /** OIDs of every extension marked critical. */
  readonly criticalExtensions: readonly string[];
  /** Issuer and subject names are the same (self-issued, RFC 5280 §6.1). */
  readonly selfIssued: boolean;
}

/** Why a certificate could not be parsed. The chain validator turns it into an attestation error. */
export class CertificateParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateParseError';
  }
}

const PEM_RE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/** Normalises any `Cert` to DER bytes. */
export function certToDer(cert: Cert): Uint8Array {
  if (cert instanceof Uint8Array) return cert;
  if (typeof cert === 'string') {
    const match = PEM_RE.exec(cert);
    if (!match?.[1]) throw new CertificateParseError('text is not a PEM certificate');
    return new Uint8Array(Buffer.from(match[1].replace(/\s+/g, ''), 'base64'));
  }
  if (cert instanceof NodeX509Certificate) return new Uint8Array(cert.raw);
  if (typeof cert === 'object' && cert !== null && cert.rawData instanceof ArrayBuffer) {
    return new Uint8Array(cert.rawData);
  }
  throw new CertificateParseError('not a certificate: expected DER bytes, PEM text or an X509Certificate');
}

/** Every PEM certificate in `text`, as DER. */
export function pemToDerList(text: string): Uint8Array[] {
  const all = text.match(new RegExp(PEM_RE.source, 'g')) ?? [];
  return all.map((block) => certToDer(block));
}

export function derToPem(der: Uint8Array): string {
  const b64 = asBuffer(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface TbsParts {
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly validity: Uint8Array;
  readonly extensions: Uint8Array | undefined;
}

/**
 * Finds the TBS fields we parse with asn1-x509, and checks that the outer signature algorithm equals the one
 * inside the signed part (RFC 5280 §4.1.1.2), which OpenSSL's verify does not insist on.
 */
function locateTbsParts(der: Uint8Array): TbsParts {
  const certificate = readDerElement(der, 0);
  if (certificate.end !== der.length) throw new CertificateParseError('trailing bytes after the certificate');
  const [tbs, outerAlgorithm] = derChildren(der, certificate);
  if (!tbs || !outerAlgorithm) throw new CertificateParseError('certificate is not a SEQUENCE of three');
  const fields = derChildren(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // explicit [0] version
  const [innerAlgorithm, issuer, validity, subject] = fields.slice(offset + 1, offset + 5);
  if (!innerAlgorithm || !issuer || !validity || !subject)
    throw new CertificateParseError('tbsCertificate is truncated');
  if (
    !bytesEqual(
      der.subarray(innerAlgorithm.start, innerAlgorithm.end),
      der.subarray(outerAlgorithm.start, outerAlgorithm.end),
    )
  ) {
    throw new CertificateParseError('signatureAlgorithm differs from tbsCertificate.signature');
  }
  const explicitExtensions = fields.find((f) => f.tag === 0xa3);
  let extensions: Uint8Array | undefined;
  if (explicitExtensions) {
    const inner = readDerElement(der, explicitExtensions.contentStart, explicitExtensions.end);
    extensions = der.subarray(inner.start, inner.end);
  }
  return {
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
    validity: der.subarray(validity.start, validity.end),
    extensions,
  };
}

function parseExtensions(bytes: Uint8Array | undefined): {
  basicConstraints: ParsedCertificate['basicConstraints'];
  keyUsage: number | undefined;
  criticalExtensions: string[];
} {
  let basicConstraints: ParsedCertificate['basicConstraints'];
  let keyUsage: number | undefined;
  const criticalExtensions: string[] = [];
  if (bytes === undefined) return { basicConstraints, keyUsage, criticalExtensions };
  const seen = new Set<string>();
  for (const extension of AsnConvert.parse(bytes, Extensions)) {
    if (seen.has(extension.extnID))
      throw new CertificateParseError(`extension ${extension.extnID} appears twice`);
    seen.add(extension.extnID);
    if (extension.critical) criticalExtensions.push(extension.extnID);
    if (extension.extnID === id_ce_basicConstraints) {
      const bc = AsnConvert.parse(extension.extnValue, BasicConstraints);
      basicConstraints = { ca: bc.cA, pathLength: bc.pathLenConstraint };
    } else if (extension.extnID === id_ce_keyUsage) {
      keyUsage = AsnConvert.parse(extension.extnValue, KeyUsage).toNumber();
    }
  }
  return { basicConstraints, keyUsage, criticalExtensions };
}

/** Parses a certificate. Throws `CertificateParseError` on anything that is not a well-formed X.509 v3 cert. */
export function parseCertificate(cert: Cert): ParsedCertificate {
  const der = certToDer(cert);
  try {
    const x509 = new NodeX509Certificate(asBuffer(der));
    const parts = locateTbsParts(der);
    const validity = AsnConvert.parse(parts.validity, Validity);
    return {
      der,
      fingerprint: sha256Hex(der),
      x509,
      publicKey: x509.publicKey,
      subject: x509.subject.replace(/\n/g, ', '),
      issuer: x509.issuer.replace(/\n/g, ', '),
      subjectName: parts.subject,
      issuerName: parts.issuer,
      notBefore: validity.notBefore.getTime().getTime(),
      notAfter: validity.notAfter.getTime().getTime(),
      ...parseExtensions(parts.extensions),
      selfIssued: bytesEqual(parts.issuer, parts.subject),
    };
  } catch (cause) {
    if (cause instanceof CertificateParseError) throw cause;
    throw new CertificateParseError(`not a well-formed X.509 certificate: ${(cause as Error).message}`, {
      cause,
    });
  }
}
