import { bytesEqual } from '../../common/bytes.js';
import { AWS_NITRO_ROOT_G1_DER } from '../aws-nitro-root.js';
import { AttestationError } from '../errors.js';
import {
  type Cert,
  CertificateParseError,
  KEY_USAGE,
  type ParsedCertificate,
  parseCertificate,
} from './certificate.js';
import { CertificateCache, defaultCertificateCache } from './certificate-cache.js';
import { verifyCertificateSignature, verifyCertificateSignatureSync } from './certificate-signature.js';
import { OID } from './extension-oids.js';

/** Extensions whose meaning this validator enforces or that carry no constraint; any other critical one fails. */
const UNDERSTOOD_CRITICAL: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.subjectAltName,
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
  /**
   * How far a certificate's notBefore may lie after `at` (a verifier's clock behind the issuer's: a real Nitro leaf
   * starts seconds before its document). Default 0: strict. notAfter is always strict.
   */
  readonly notBeforeToleranceMs?: number;
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

function checkValidity(cert: ParsedCertificate, at: number, notBeforeToleranceMs: number): void {
  if (at > cert.notAfter) {
    throw new AttestationError(
      'ATTESTATION_CERT_EXPIRED',
      `certificate ${describe(cert)} expired at ${new Date(cert.notAfter).toISOString()} (checked at ${new Date(at).toISOString()})`,
      { details: { subject: cert.subject, notAfter: cert.notAfter, at } },
    );
  }
  if (at + notBeforeToleranceMs < cert.notBefore) {
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

  private readonly roots: readonly ParsedCertificate[];
  private readonly pool: readonly ParsedCertificate[];
  private readonly at: number;
  private readonly notBeforeToleranceMs: number;
  private readonly maxDepth: number;
  private readonly cache: CertificateCache;

  /**
   * @param deferSignatures leave unverified signatures for the caller to check in parallel (async path): a path
   *   that reaches a trusted root with any such signature is returned unchecked for validity, since a date in a
   *   certificate whose signature fails proves nothing.
   * @param verdicts signatures this call has already checked (edge key → verified), cache or no cache.
   */
  constructor(
    inputs: PreparedInputs,
    private readonly deferSignatures: boolean,
    private readonly verdicts: ReadonlyMap<string, boolean> = new Map(),
  ) {
    ({
      roots: this.roots,
      pool: this.pool,
      at: this.at,
      notBeforeToleranceMs: this.notBeforeToleranceMs,
      maxDepth: this.maxDepth,
      cache: this.cache,
    } = inputs);
    this.rootFingerprints = new Set(this.roots.map((r) => r.fingerprint));
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
      if (this.deferSignatures && this.unverifiedEdges(path).length > 0) return path;
      try {
        for (const cert of path) checkValidity(cert, this.at, this.notBeforeToleranceMs);
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

  /**
   * A certificate that names a trusted root as its issuer but is not signed by that root's key belongs to another
   * hierarchy with the same names (a forged or simulated one): that is an untrusted root, not a broken path.
   */
  private badSignature(subject: ParsedCertificate, issuer: ParsedCertificate): AttestationError {
    const details = { subject: subject.subject, issuer: issuer.subject };
    if (this.rootFingerprints.has(issuer.fingerprint)) {
      return new AttestationError(
        'ATTESTATION_ROOT_UNTRUSTED',
        `${describe(subject)} names the trusted root ${describe(issuer)} as its issuer but is not signed by its ` +
          'key: the path leads to another root with the same name',
        { details },
      );
    }
    return chainInvalid(
      `the signature on ${describe(subject)} does not verify with the key of ${describe(issuer)}`,
      details,
    );
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
    const verdict = this.verdicts.get(edgeKey(subject, issuer));
    if (verdict === false) throw this.badSignature(subject, issuer);
    if (verdict === true || this.cache.hasVerifiedSignature(subject, issuer)) return;
    if (this.deferSignatures) return;
    if (!verifyCertificateSignatureSync(subject, issuer)) throw this.badSignature(subject, issuer);
    this.cache.rememberVerifiedSignature(subject, issuer);
  }

  /** The issuer→subject steps of `path` whose signatures neither this call nor the cache has verified. */
  unverifiedEdges(path: readonly ParsedCertificate[]): (readonly [ParsedCertificate, ParsedCertificate])[] {
    return path
      .slice(0, -1)
      .map((subject, i) => [subject, path[i + 1] as ParsedCertificate] as const)
      .filter(
        ([subject, issuer]) =>
          this.verdicts.get(edgeKey(subject, issuer)) !== true &&
          !this.cache.hasVerifiedSignature(subject, issuer),
      );
  }
}

function edgeKey(subject: ParsedCertificate, issuer: ParsedCertificate): string {
  return `${subject.fingerprint}<${issuer.fingerprint}`;
}

function toMillis(at: Date | number | undefined): number {
  const ms = at === undefined ? Date.now() : typeof at === 'number' ? at : at.getTime();
  if (!Number.isFinite(ms)) {
    throw new AttestationError('ATTESTATION_POLICY_INVALID', 'the verification time is not a valid date');
  }
  return ms;
}

/** Parses `cert`, turning parse failures into the attestation error `code`. */
export function parseCertificateOrThrow(
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

let builtInRoot: ParsedCertificate | undefined;

/** The pinned AWS root, parsed once per process: it is a constant of this module, not something we verify. */
function awsNitroRoot(): ParsedCertificate {
  builtInRoot ??= parseCertificate(AWS_NITRO_ROOT_G1_DER);
  return builtInRoot;
}

/**
 * `cache: false` means nothing is remembered across calls; within one call a small scratch cache still lets the
 * leaf parsed for the document signature serve the path too.
 */
export function resolveCache(cache: CertificateCache | false | undefined): CertificateCache {
  if (cache === false) return new CertificateCache({ maxEntries: 64 });
  return cache ?? defaultCertificateCache;
}

interface PreparedInputs {
  readonly leaf: ParsedCertificate;
  readonly roots: readonly ParsedCertificate[];
  readonly pool: readonly ParsedCertificate[];
  readonly at: number;
  readonly notBeforeToleranceMs: number;
  readonly maxDepth: number;
  readonly cache: CertificateCache;
}

function prepare(options: ValidateCertificateChainOptions, cache: CertificateCache): PreparedInputs {
  const at = toMillis(options.at);
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 2) {
    throw new AttestationError('ATTESTATION_POLICY_INVALID', 'maxDepth must be an integer of at least 2');
  }
  const roots =
    options.roots === undefined
      ? [awsNitroRoot()]
      : options.roots.map((r, i) =>
          parseCertificateOrThrow(cache, r, 'ATTESTATION_POLICY_INVALID', `trusted root #${i}`),
        );
  if (roots.length === 0)
    throw new AttestationError('ATTESTATION_POLICY_INVALID', 'no trusted roots were given');
  const leaf = parseCertificateOrThrow(cache, options.leaf, 'ATTESTATION_MALFORMED', 'leaf certificate');
  const pool: ParsedCertificate[] = [];
  for (const [i, cert] of (options.intermediates ?? []).entries()) {
    // A copy of a trusted root in the pool adds nothing (the root itself is a candidate): skip parsing it.
    const der = cert instanceof Uint8Array ? cert : undefined;
    if (der && roots.some((r) => bytesEqual(r.der, der))) continue;
    pool.push(
      parseCertificateOrThrow(cache, cert, 'ATTESTATION_MALFORMED', `intermediate certificate #${i}`),
    );
  }
  checkCriticalExtensions(leaf);
  if (leaf.keyUsage !== undefined) {
    const required = options.leafKeyUsage ?? KEY_USAGE.digitalSignature;
    if ((leaf.keyUsage & required) !== required) {
      throw chainInvalid(
        `leaf certificate ${describe(leaf)} lacks the keyUsage its role needs (digitalSignature for a document signer)`,
      );
    }
  }
  const notBeforeToleranceMs = options.notBeforeToleranceMs ?? 0;
  if (!(Number.isFinite(notBeforeToleranceMs) && notBeforeToleranceMs >= 0)) {
    throw new AttestationError(
      'ATTESTATION_POLICY_INVALID',
      'notBeforeToleranceMs must be a non-negative number',
    );
  }
  return { leaf, roots, pool, at, notBeforeToleranceMs, maxDepth, cache };
}

/**
 * Validates a certificate path (RFC 5280 §6) from `leaf` to one of `roots`, building it from an unordered pool of
 * untrusted intermediates: name chaining, signatures, validity at `at`, basicConstraints cA and pathLen, keyUsage
 * and critical extensions. Throws `AttestationError` with `ATTESTATION_CHAIN_INVALID`,
 * `ATTESTATION_CERT_EXPIRED`, `ATTESTATION_CERT_NOT_YET_VALID` or `ATTESTATION_ROOT_UNTRUSTED`.
 *
 * The signatures of a candidate path are verified in parallel on libuv's thread pool; a path whose signature
 * fails is set aside and the search goes on.
 *
 * @example
 * const { path } = await validateCertificateChain({ leaf, intermediates: doc.cabundle, at: doc.timestamp });
 */
export async function validateCertificateChain(
  options: ValidateCertificateChainOptions,
): Promise<ValidatedChain> {
  const inputs = prepare(options, resolveCache(options.cache));
  const verdicts = new Map<string, boolean>();
  for (;;) {
    const builder = new PathBuilder(inputs, true, verdicts);
    const chain = builder.build(inputs.leaf);
    const edges = builder.unverifiedEdges(chain.path);
    // With every signature on it verified, the builder has checked the path's validity too.
    if (edges.length === 0) return chain;
    const verified = await Promise.all(
      edges.map(([subject, issuer]) => verifyCertificateSignature(subject, issuer)),
    );
    edges.forEach(([subject, issuer], i) => {
      verdicts.set(edgeKey(subject, issuer), verified[i] === true);
      if (verified[i]) inputs.cache.rememberVerifiedSignature(subject, issuer);
    });
    // Each pass decides at least one more signature, so the loop ends; the next pass searches as the
    // synchronous form does, with these signatures known, and so reaches the same verdict.
  }
}

/** Synchronous form of `validateCertificateChain`: signatures are verified one after another on this thread. */
export function validateCertificateChainSync(options: ValidateCertificateChainOptions): ValidatedChain {
  const inputs = prepare(options, resolveCache(options.cache));
  return new PathBuilder(inputs, false).build(inputs.leaf);
}
