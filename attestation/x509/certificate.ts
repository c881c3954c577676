import { createHash, type KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { asBuffer, bytesEqual } from '../../common/bytes.js';
import { type DerElement, decodeOid, derChildren, derContents, readDerElement } from '../../common/der.js';
import { CertificateParseError } from './certificate-errors.js';
import { decodeBasicConstraints, decodeKeyUsage, decodeValidity } from './der-values.js';
import { OID } from './extension-oids.js';

export { CertificateParseError } from './certificate-errors.js';

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
  /** Names as a person reads them (computed on first use: only messages need them). */
  readonly subject: string;
  readonly issuer: string;
  /** The signed part, the signature and the hash its algorithm uses: what verifying it by its issuer needs. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  /** Undefined for algorithms other than ECDSA and RSA PKCS#1 v1.5 with SHA-2 (then OpenSSL's verify is used). */
  readonly signatureScheme: SignatureScheme | undefined;
  /** DER of the subject and issuer Names: chaining compares these bytes. */
  readonly subjectName: Uint8Array;
  readonly issuerName: Uint8Array;
  readonly notBefore: number;
  readonly notAfter: number;
  /** Absent when the certificate has no basicConstraints extension. */
  readonly basicConstraints: { readonly ca: boolean; readonly pathLength: number | undefined } | undefined;
  /** KeyUsage bit mask; absent when the certificate has no keyUsage extension. */
  readonly keyUsage: number | undefined;
  /** The named curve of an EC public key; undefined for other key types. */
  readonly publicKeyCurve: EcCurve | undefined;
  /** OIDs of every extension marked critical. */
  readonly criticalExtensions: readonly string[];
  /** Issuer and subject names are the same (self-issued, RFC 5280 §6.1). */
  readonly selfIssued: boolean;
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

/** How a certificate's signature is checked with node:crypto: the issuer's key type and the hash. */
export interface SignatureScheme {
  readonly keyType: 'ec' | 'rsa';
  readonly hash: 'sha256' | 'sha384' | 'sha512';
}

/** ECDSA and RSA PKCS#1 v1.5 signature algorithms with SHA-2, by OID. */
const SIGNATURE_SCHEMES: Readonly<Record<string, SignatureScheme>> = {
  '1.2.840.10045.4.3.2': { keyType: 'ec', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { keyType: 'ec', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { keyType: 'ec', hash: 'sha512' },
  '1.2.840.113549.1.1.11': { keyType: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { keyType: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { keyType: 'rsa', hash: 'sha512' },
};

interface TbsParts {
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  readonly signatureScheme: SignatureScheme | undefined;
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly validity: Uint8Array;
  readonly publicKeyCurve: EcCurve | undefined;
  readonly extensions: Uint8Array | undefined;
}

/**
 * Finds the TBS fields path validation reads, and checks that the outer signature algorithm equals the one
 * inside the signed part (RFC 5280 §4.1.1.2), which OpenSSL's verify does not insist on.
 */
function locateTbsParts(der: Uint8Array): TbsParts {
  const certificate = readDerElement(der, 0);
  if (certificate.end !== der.length) throw new CertificateParseError('trailing bytes after the certificate');
  const [tbs, outerAlgorithm, signatureValue, extra] = derChildren(der, certificate);
  if (!tbs || !outerAlgorithm || signatureValue?.tag !== 0x03 || extra) {
    throw new CertificateParseError('certificate is not a SEQUENCE of tbsCertificate, algorithm, BIT STRING');
  }
  const signatureBits = derContents(der, signatureValue);
  if (signatureBits[0] !== 0) throw new CertificateParseError('signature BIT STRING has unused bits');
  const [algorithmOid] = derChildren(der, outerAlgorithm);
  if (algorithmOid?.tag !== 0x06) throw new CertificateParseError('signatureAlgorithm has no OID');
  const fields = derChildren(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // explicit [0] version
  const [innerAlgorithm, issuer, validity, subject, spki] = fields.slice(offset + 1, offset + 6);
  if (!innerAlgorithm || !issuer || !validity || !subject || !spki) {
    throw new CertificateParseError('tbsCertificate is truncated');
  }
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
    tbs: der.subarray(tbs.start, tbs.end),
    signature: signatureBits.subarray(1),
    signatureScheme: SIGNATURE_SCHEMES[decodeOid(derContents(der, algorithmOid))],
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
    validity: der.subarray(validity.start, validity.end),
    publicKeyCurve: ecCurveOf(der, spki),
    extensions,
  };
}

/** OpenSSL's names for the EC curves we verify with, by OID. */
const EC_CURVES = {
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
} as const;
export type EcCurve = (typeof EC_CURVES)[keyof typeof EC_CURVES];
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

/** The named curve of an EC SubjectPublicKeyInfo, read from its AlgorithmIdentifier; undefined for other keys. */
function ecCurveOf(der: Uint8Array, spki: DerElement): EcCurve | undefined {
  const [algorithm] = derChildren(der, spki);
  if (!algorithm) return undefined;
  const [oid, parameters] = derChildren(der, algorithm);
  if (oid?.tag !== 0x06 || parameters?.tag !== 0x06) return undefined;
  if (decodeOid(derContents(der, oid)) !== EC_PUBLIC_KEY) return undefined;
  return EC_CURVES[decodeOid(derContents(der, parameters)) as keyof typeof EC_CURVES];
}

/**
 * Reads the extension list with the DER locator (asn1-schema takes ~0.3 ms for a Nitro CA's list, most of the
 * cold verification budget) and decodes only the values path validation uses.
 */
function parseExtensions(bytes: Uint8Array | undefined): {
  basicConstraints: ParsedCertificate['basicConstraints'];
  keyUsage: number | undefined;
  criticalExtensions: string[];
} {
  let basicConstraints: ParsedCertificate['basicConstraints'];
  let keyUsage: number | undefined;
  const criticalExtensions: string[] = [];
  if (bytes === undefined) return { basicConstraints, keyUsage, criticalExtensions };
  const list = readDerElement(bytes, 0);
  if (list.tag !== 0x30 || list.end !== bytes.length)
    throw new CertificateParseError('extensions are not a SEQUENCE');
  const seen = new Set<string>();
  for (const extension of derChildren(bytes, list)) {
    const fields = extension.tag === 0x30 ? derChildren(bytes, extension) : [];
    const [oid, second, third] = fields;
    const critical = fields.length === 3 ? second : undefined;
    const value = fields.length === 3 ? third : second;
    if (oid?.tag !== 0x06 || value?.tag !== 0x04 || (critical !== undefined && critical.tag !== 0x01)) {
      throw new CertificateParseError('an extension is not SEQUENCE { OID, [BOOLEAN], OCTET STRING }');
    }
    const id = decodeOid(derContents(bytes, oid));
    if (seen.has(id)) throw new CertificateParseError(`extension ${id} appears twice`);
    seen.add(id);
    if (critical !== undefined && derContents(bytes, critical)[0] !== 0) criticalExtensions.push(id);
    const contents = derContents(bytes, value);
    if (id === OID.basicConstraints) basicConstraints = decodeBasicConstraints(contents);
    else if (id === OID.keyUsage) keyUsage = decodeKeyUsage(contents);
  }
  return { basicConstraints, keyUsage, criticalExtensions };
}

/**
 * Parses a certificate. Throws `CertificateParseError` on anything that is not a well-formed X.509 v3 cert.
 * `fingerprint` may be passed when the caller already hashed the bytes.
 */
export function parseCertificate(cert: Cert, fingerprint?: string): ParsedCertificate {
  const der = certToDer(cert);
  try {
    const x509 = new NodeX509Certificate(asBuffer(der));
    const parts = locateTbsParts(der);
    const validity = decodeValidity(parts.validity);
    let subject: string | undefined;
    let issuer: string | undefined;
    return {
      der,
      fingerprint: fingerprint ?? sha256Hex(der),
      x509,
      publicKey: x509.publicKey,
      get subject() {
        subject ??= x509.subject.replace(/\n/g, ', ');
        return subject;
      },
      get issuer() {
        issuer ??= x509.issuer.replace(/\n/g, ', ');
        return issuer;
      },
      tbs: parts.tbs,
      signature: parts.signature,
      signatureScheme: parts.signatureScheme,
      subjectName: parts.subject,
      issuerName: parts.issuer,
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
      publicKeyCurve: parts.publicKeyCurve,
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
