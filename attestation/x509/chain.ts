import {
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { bytesEqual } from '../../common/bytes.js';
import { AWS_NITRO_ROOT_G1_DER } from '../aws-nitro-root.js';
import { AttestationError } from '../errors.js';
import { type Cert, CertificateParseError, KEY_USAGE, type ParsedCertificate } from './certificate.js';
import { CertificateCache, defaultCertificateCache } from './certificate-cache.js';

/** Extensions whose meaning this validator enforces or that carry no constraint; any other critical one fails. */
const UNDERSTOOD_CRITICAL = new Set([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_subjectAltName,
]);

export interface ValidateCertificateChainOptions {
  /** The end-entity certificate. */
  readonly leaf: Cert;
  /** Untrusted pool of CA certificates, in any order. Only used to build a path, never trusted. */
  readonly intermediates?: readonly Cert[];
  /** Trust anchors. Default: the AWS Nitro Enclaves Root G1 alone. Passing roots replaces it. */
  readonly roots?: readonly Cert[];
  /** The instant every certificate must be valid at. Default: now. */
  readonly at?: Date | number;
  /** Most certificates in a path, leaf and root included. Default 8 (Nitro paths have 5). */
  readonly maxDepth?: number;
  /** Parsed-certificate and verified-signature cache; `false` for none. Default: a shared bounded cache. */
  readonly cache?: CertificateCache | false;
  /** KeyUsage bit the leaf must assert when it carries the extension. Default: digitalSignature. */
  readonly leafKeyUsage?: number;
}

export interface ValidatedChain {
  /** The path from the leaf (first) to the trust anchor (last). */
  readonly path: readonly ParsedCertificate[];
  readonly root: ParsedCertificate;
}

const DEFAULT_MAX_DEPTH = 8;

function describe(cert: ParsedCertificate): string {
  return `'${cert.subject}'`;
}

function chainInvalid(message: string, details?: Record<string, unknown>): AttestationError {
  return new AttestationError('ATTESTATION_CHAIN_INVALID', message, details ? { details } : undefined);
}

function checkValidity(cert: ParsedCertificate, at: number): void {
  if (at > cert.notAfter) {
    throw new AttestationError(
      'ATTESTATION_CERT_EXPIRED',
      `certificate ${describe(cert)} expired at ${new Date(cert.notAfter).toISOString()} (checked at ${new Date(at).toISOString()})`,
      { details: { subject: cert.subject, notAfter: cert.notAfter, at } },
    );
  }
  if (at < cert.notBefore) {
    throw new AttestationError(
      'ATTESTATION_CERT_NOT_YET_VALID',
      `certificate ${describe(cert)} is not valid before ${new Date(cert.notBefore).toISOString()} (checked at ${new Date(at).toISOString()})`,
      { details: { subject: cert.subject, notBefore: cert.notBefore, at } },
    );
  }
}

function rank(error: AttestationError): number {
  if (error.code === 'ATTESTATION_ROOT_UNTRUSTED') return 0;
  if (error.code === 'ATTESTATION_CHAIN_INVALID') return 1;
  return 2;
}

function checkCriticalExtensions(cert: ParsedCertificate): void {
  const unknown = cert.criticalExtensions.filter((oid) => !UNDERSTOOD_CRITICAL.has(oid));
  if (unknown.length > 0) {
    throw chainInvalid(
      `certificate ${describe(cert)} has critical extension(s) ${unknown.join(', ')} not understood`,
      {
        subject: cert.subject,
        extensions: unknown,
      },
    );
  }
}

class PathBuilder {
  private readonly rootFingerprints: ReadonlySet<string>;
  /** The most informative failure seen while searching, reported if no path succeeds. */
  private failure: AttestationError | undefined;

  constructor(
    private readonly roots: readonly ParsedCertificate[],
    private readonly pool: readonly ParsedCertificate[],
    private readonly at: number,
    private readonly maxDepth: number,
    private readonly cache: CertificateCache,
  ) {
    this.rootFingerprints = new Set(roots.map((r) => r.fingerprint));
  }

  build(leaf: ParsedCertificate): ValidatedChain {
    const path = this.extend([leaf]);
    if (path) return { path, root: path[path.length - 1] as ParsedCertificate };
    throw this.failure ?? this.untrusted(leaf);
  }

  private untrusted(top: ParsedCertificate): AttestationError {
    return new AttestationError(
      'ATTESTATION_ROOT_UNTRUSTED',
      `the certificate path ends at ${describe(top)} (sha256 ${top.fingerprint}), which is not a trusted root; ` +
        'real documents chain to the AWS Nitro root, simulated ones need the simulator root passed as trusted',
      { details: { subject: top.subject, fingerprint: top.fingerprint } },
    );
  }

  /**
   * Keeps the failure of the path that got furthest: one that reached a trusted root but failed only on time
   * beats a structural defect, which beats "no trusted root found".
   */
  private record(error: AttestationError): void {
    if (this.failure === undefined || rank(error) > rank(this.failure)) this.failure = error;
  }

  private extend(path: ParsedCertificate[]): ParsedCertificate[] | undefined {
    const current = path[path.length - 1] as ParsedCertificate;
    // A leaf that is itself a trusted root is trusted directly (the caller pinned that exact certificate).
    if (this.rootFingerprints.has(current.fingerprint)) {
      try {
        for (const cert of path) checkValidity(cert, this.at);
        return path;
      } catch (error) {
        if (!(error instanceof AttestationError)) throw error;
        this.record(error);
        return undefined;
      }
    }
    if (current.selfIssued && path.length > 1) {
      // A self-issued CA that is not one of our roots: the bundle's own root, never trusted for being there.
      this.record(this.untrusted(current));
      return undefined;
    }
    if (path.length >= this.maxDepth) {
      this.record(chainInvalid(`certificate path is longer than ${this.maxDepth} certificates`));
      return undefined;
    }
    const used = new Set(path.map((c) => c.fingerprint));
    const candidates = [...this.roots, ...this.pool].filter(
      (c, i, all) =>
        !used.has(c.fingerprint) &&
        bytesEqual(c.subjectName, current.issuerName) &&
        all.findIndex((d) => d.fingerprint === c.fingerprint) === i,
    );
    if (candidates.length === 0) {
      this.record(this.untrusted(current));
      return undefined;
    }
    for (const issuer of candidates) {
      try {
        this.checkLink(current, issuer, path);
      } catch (error) {
        if (!(error instanceof AttestationError)) throw error;
        this.record(error);
        continue;
      }
      const found = this.extend([...path, issuer]);
      if (found) return found;
    }
    return undefined;
  }

  /** RFC 5280 §6.1.3-6.1.4 for one issuer→subject step. */
  private checkLink(subject: ParsedCertificate, issuer: ParsedCertificate, path: ParsedCertificate[]): void {
    if (issuer.basicConstraints?.ca !== true) {
      throw chainInvalid(
        `certificate ${describe(issuer)} issued ${describe(subject)} but is not a CA (basicConstraints cA is not true)`,
        { issuer: issuer.subject },
      );
    }
    if (issuer.keyUsage !== undefined && (issuer.keyUsage & KEY_USAGE.keyCertSign) === 0) {
      throw chainInvalid(`CA certificate ${describe(issuer)} lacks keyCertSign in its keyUsage`, {
        issuer: issuer.subject,
      });
    }
    const pathLength = issuer.basicConstraints.pathLength;
    if (pathLength !== undefined) {
      // Non-self-issued intermediates below this CA; the leaf does not count.
      const below = path.slice(1).filter((c) => !c.selfIssued).length;
      if (below > pathLength) {
        throw chainInvalid(
          `CA certificate ${describe(issuer)} allows ${pathLength} intermediate(s) below it (pathLenConstraint) but the path has ${below}`,
          { issuer: issuer.subject, pathLength, below },
        );
      }
    }
    checkCriticalExtensions(issuer);
    if (!this.cache.hasVerifiedSignature(subject, issuer)) {
      if (!subject.x509.verify(issuer.publicKey)) {
        throw chainInvalid(
          `the signature on ${describe(subject)} does not verify with the key of ${describe(issuer)}`,
          {
            subject: subject.subject,
            issuer: issuer.subject,
          },
        );
      }
      this.cache.rememberVerifiedSignature(subject, issuer);
    }
  }
}

function toMillis(at: Date | number | undefined): number {
  const ms = at === undefined ? Date.now() : typeof at === 'number' ? at : at.getTime();
  if (!Number.isFinite(ms)) {
    throw new AttestationError('ATTESTATION_POLICY_INVALID', 'the verification time is not a valid date');
  }
  return ms;
}

function parseOrThrow(
  cache: CertificateCache,
  cert: Cert,
  code: 'ATTESTATION_MALFORMED' | 'ATTESTATION_POLICY_INVALID',
  what: string,
): ParsedCertificate {
  try {
    return cache.parse(cert);
  } catch (cause) {
    if (!(cause instanceof CertificateParseError)) throw cause;
    throw new AttestationError(code, `${what}: ${cause.message}`, { cause });
  }
}

/**
 * Validates a certificate path (RFC 5280 §6) from `leaf` to one of `roots`, building it from an unordered pool of
 * untrusted intermediates: name chaining, signatures, validity at `at`, basicConstraints cA and pathLen, keyUsage
 * and critical extensions. Throws `AttestationError` with `ATTESTATION_CHAIN_INVALID`,
 * `ATTESTATION_CERT_EXPIRED`, `ATTESTATION_CERT_NOT_YET_VALID` or `ATTESTATION_ROOT_UNTRUSTED`.
 *
 * @example
 * const { path } = await validateCertificateChain({ leaf, intermediates: doc.cabundle, at: doc.timestamp });
 */
export async function validateCertificateChain(
  options: ValidateCertificateChainOptions,
): Promise<ValidatedChain> {
  return validateCertificateChainSync(options);
}

/** Synchronous form of `validateCertificateChain`, for callers on a hot path. */
export function validateCertificateChainSync(options: ValidateCertificateChainOptions): ValidatedChain {
  const at = toMillis(options.at);
  const cache =
    options.cache === false
      ? new CertificateCache({ maxEntries: 0 })
      : (options.cache ?? defaultCertificateCache);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 2) {
    throw new AttestationError('ATTESTATION_POLICY_INVALID', 'maxDepth must be an integer of at least 2');
  }
  const roots = (options.roots ?? [AWS_NITRO_ROOT_G1_DER]).map((r, i) =>
    parseOrThrow(cache, r, 'ATTESTATION_POLICY_INVALID', `trusted root #${i}`),
  );
  if (roots.length === 0)
    throw new AttestationError('ATTESTATION_POLICY_INVALID', 'no trusted roots were given');
  const leaf = parseOrThrow(cache, options.leaf, 'ATTESTATION_MALFORMED', 'leaf certificate');
  const pool = (options.intermediates ?? []).map((c, i) =>
    parseOrThrow(cache, c, 'ATTESTATION_MALFORMED', `intermediate certificate #${i}`),
  );
  checkCriticalExtensions(leaf);
  if (leaf.keyUsage !== undefined) {
    const required = options.leafKeyUsage ?? KEY_USAGE.digitalSignature;
    if ((leaf.keyUsage & required) !== required) {
      throw chainInvalid(
        `leaf certificate ${describe(leaf)} lacks the keyUsage its role needs (digitalSignature for a document signer)`,
      );
    }
  }
  return new PathBuilder(roots, pool, at, maxDepth, cache).build(leaf);
}
