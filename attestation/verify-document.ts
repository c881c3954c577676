import { ES384 } from './cose/algorithms.js';
import { CoseError } from './cose/errors.js';
import { coseSign1Algorithm, verifyDecodedCoseSign1 } from './cose/verify.js';
import {
  decodePayloadMap,
  parseDocumentEnvelope,
  parseNsmPayload,
  payloadCertificates,
  splitDocumentEnvelope,
} from './document/decode.js';
import type { AttestationDocument } from './document/types.js';
import { AttestationError } from './errors.js';
import { type AttestationPolicy, checkPolicy, compilePolicy } from './policy.js';
import type { ParsedCertificate } from './x509/certificate.js';
import { validateCertificateChainSync } from './x509/chain.js';

/** A certificate of the validated path, as a person reads it. */
export interface CertificateSummary {
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly sha256: string;
}

export interface VerifiedAttestationDocument extends AttestationDocument {
  /** The instant the document was verified at (ms). */
  readonly verifiedAt: number;
  /** The validated path, leaf first, trust anchor last. */
  readonly path: readonly CertificateSummary[];
}

export function summarizeCertificate(cert: ParsedCertificate): CertificateSummary {
  return {
    subject: cert.subject,
    notBefore: new Date(cert.notBefore).toISOString(),
    notAfter: new Date(cert.notAfter).toISOString(),
    sha256: cert.fingerprint,
  };
}

/**
 * Verifies a Nitro attestation document: that AWS Nitro hardware (or a root the caller trusts) produced it, and
 * that it says what `policy` expects. Returns the decoded document; throws `AttestationError` with a stable code.
 *
 * Trust is settled first (the certificate path), so a document from elsewhere is reported as such whatever else
 * is wrong with it; then the format, the signature and the policy.
 *
 * @example
 * const doc = await verifyAttestationDocument(bytes, { pcrs: { 0: expectedPcr0 }, nonce, maxAgeMs: 60_000 });
 */
export async function verifyAttestationDocument(
  bytes: Uint8Array,
  policy: AttestationPolicy = {},
): Promise<VerifiedAttestationDocument> {
  return verifyAttestationDocumentSync(bytes, policy);
}

/** Synchronous form of `verifyAttestationDocument`. */
export function verifyAttestationDocumentSync(
  bytes: Uint8Array,
  policy: AttestationPolicy = {},
): VerifiedAttestationDocument {
  const compiled = compilePolicy(policy);
  const parts = splitDocumentEnvelope(bytes);
  const payload = decodePayloadMap(parts.payload);
  const { certificate, cabundle } = payloadCertificates(payload);
  const at = verificationTime(compiled.at, payload.get('timestamp'));

  const chain = validateCertificateChainSync({
    leaf: certificate,
    intermediates: cabundle,
    at,
    ...(compiled.roots === undefined ? {} : { roots: compiled.roots }),
    ...(compiled.cache === undefined ? {} : { cache: compiled.cache }),
  });

  const cose = parseDocumentEnvelope(parts);
  const document = parseNsmPayload(payload);

  try {
    const algorithm = coseSign1Algorithm(cose, [ES384.name]);
    verifyDecodedCoseSign1(cose, (chain.path[0] as ParsedCertificate).publicKey, algorithm);
  } catch (cause) {
    if (!(cause instanceof CoseError)) throw cause;
    throw new AttestationError(
      'ATTESTATION_BAD_SIGNATURE',
      `attestation document signature: ${cause.message}`,
      {
        cause,
      },
    );
  }

  const [failure] = checkPolicy(document, compiled, at);
  if (failure) throw failure;
  return { ...document, verifiedAt: at, path: chain.path.map(summarizeCertificate) };
}

function verificationTime(at: number | 'document' | undefined, timestamp: unknown): number {
  if (at === undefined) return Date.now();
  if (at !== 'document') return at;
  const ms = typeof timestamp === 'bigint' ? Number(timestamp) : timestamp;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 0) {
    throw new AttestationError(
      'ATTESTATION_MALFORMED',
      'attestation document is malformed: it has no usable timestamp to verify at',
    );
  }
  return ms;
}
