import { type EcdsaAlgorithm, ES384 } from './cose/algorithms.js';
import { CoseError } from './cose/errors.js';
import type { CoseSign1, CoseSign1Parts } from './cose/sign1.js';
import { coseSign1Algorithm, verifyDecodedCoseSign1, verifyDecodedCoseSign1Async } from './cose/verify.js';
import {
  decodePayloadMap,
  parseDocumentEnvelope,
  parseNsmPayload,
  payloadCertificates,
  splitDocumentEnvelope,
} from './document/decode.js';
import type { AttestationDocument } from './document/types.js';
import { AttestationError } from './errors.js';
import { type AttestationPolicy, type CompiledPolicy, checkPolicy, compilePolicy } from './policy.js';
import type { ParsedCertificate } from './x509/certificate.js';
import type { CertificateCache } from './x509/certificate-cache.js';
import {
  resolveCache,
  type ValidateCertificateChainOptions,
  type ValidatedChain,
  validateCertificateChain,
  validateCertificateChainSync,
} from './x509/chain.js';

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

/** What every verification reads before judging anything. */
interface DocumentInputs {
  readonly compiled: CompiledPolicy;
  readonly parts: CoseSign1Parts;
  readonly payload: ReadonlyMap<string, unknown>;
  readonly chainOptions: ValidateCertificateChainOptions;
  readonly at: number;
}

function readInputs(bytes: Uint8Array, policy: AttestationPolicy): DocumentInputs {
  const compiled = compilePolicy(policy);
  const parts = splitDocumentEnvelope(bytes);
  const payload = decodePayloadMap(parts.payload);
  const { certificate, cabundle } = payloadCertificates(payload);
  const at = verificationTime(compiled.at, payload.get('timestamp'));
  const chainOptions: ValidateCertificateChainOptions = {
    leaf: certificate,
    intermediates: cabundle,
    at,
    // The clock tolerance that admits a document dated after `at` must admit the leaf issued just before it.
    notBeforeToleranceMs: compiled.clockToleranceMs,
    cache: resolveCache(compiled.cache),
    ...(compiled.roots === undefined ? {} : { roots: compiled.roots }),
  };
  return { compiled, parts, payload, chainOptions, at };
}

function badSignature(cause: CoseError): AttestationError {
  return new AttestationError(
    'ATTESTATION_BAD_SIGNATURE',
    `attestation document signature: ${cause.message}`,
    {
      cause,
    },
  );
}

/** The document's algorithm (ES384 only), as a COSE error rather than a throw so that it can wait its turn. */
function documentAlgorithm(cose: CoseSign1): EcdsaAlgorithm | CoseError {
  try {
    return coseSign1Algorithm(cose, [ES384.name]);
  } catch (error) {
    if (error instanceof CoseError) return error;
    throw error;
  }
}

/**
 * Starts checking the COSE signature with the leaf's key on the thread pool, before the path is validated, so that
 * the two run in parallel. Resolves to the failure (or undefined); it never rejects, because its verdict is only
 * reported after trust and format. Undefined when it cannot start yet (the leaf or headers are malformed: those
 * steps then report it).
 */
function startSignatureCheck(inputs: DocumentInputs): Promise<CoseError | undefined> | undefined {
  let cose: CoseSign1;
  let leaf: ParsedCertificate;
  try {
    cose = parseDocumentEnvelope(inputs.parts);
    leaf = (inputs.chainOptions.cache as CertificateCache).parse(inputs.chainOptions.leaf);
  } catch {
    return undefined;
  }
  const algorithm = documentAlgorithm(cose);
  if (algorithm instanceof CoseError) return Promise.resolve(algorithm);
  return verifyDecodedCoseSign1Async(cose, leaf.publicKey, algorithm, { keyCurve: leaf.publicKeyCurve }).then(
    () => undefined,
    (error: unknown) => {
      if (error instanceof CoseError) return error;
      throw error;
    },
  );
}

function finish(
  inputs: DocumentInputs,
  document: AttestationDocument,
  chain: ValidatedChain,
): VerifiedAttestationDocument {
  const [failure] = checkPolicy(document, inputs.compiled, inputs.at);
  if (failure) throw failure;
  return { ...document, verifiedAt: inputs.at, path: chain.path.map(summarizeCertificate) };
}

/**
 * Verifies a Nitro attestation document: that AWS Nitro hardware (or a root the caller trusts) produced it, and
 * that it says what `policy` expects. Returns the decoded document; throws `AttestationError` with a stable code.
 *
 * Failures are reported in a fixed order whatever runs first: trust (the certificate path), so that a document from
 * elsewhere is reported as such whatever else is wrong with it; then the format, the signature and the policy.
 * The five signatures of a Nitro document are verified in parallel on libuv's thread pool.
 *
 * @example
 * const doc = await verifyAttestationDocument(bytes, { pcrs: { 0: expectedPcr0 }, nonce, maxAgeMs: 60_000 });
 */
export async function verifyAttestationDocument(
  bytes: Uint8Array,
  policy: AttestationPolicy = {},
): Promise<VerifiedAttestationDocument> {
  const inputs = readInputs(bytes, policy);
  const signature = startSignatureCheck(inputs);
  // Keep an early failure from being reported as unhandled while the path is validated.
  signature?.catch(() => undefined);
  const chain = await validateCertificateChain(inputs.chainOptions);
  const cose = parseDocumentEnvelope(inputs.parts);
  const document = parseNsmPayload(inputs.payload);
  const failure = signature ? await signature : await checkSignatureNow(cose, chain);
  if (failure) throw badSignature(failure);
  return finish(inputs, document, chain);
}

function checkSignatureNow(cose: CoseSign1, chain: ValidatedChain): CoseError | undefined {
  const algorithm = documentAlgorithm(cose);
  if (algorithm instanceof CoseError) return algorithm;
  const leaf = chain.path[0] as ParsedCertificate;
  try {
    verifyDecodedCoseSign1(cose, leaf.publicKey, algorithm, { keyCurve: leaf.publicKeyCurve });
    return undefined;
  } catch (error) {
    if (error instanceof CoseError) return error;
    throw error;
  }
}

/** Synchronous form of `verifyAttestationDocument`: every signature is verified on this thread, in turn. */
export function verifyAttestationDocumentSync(
  bytes: Uint8Array,
  policy: AttestationPolicy = {},
): VerifiedAttestationDocument {
  const inputs = readInputs(bytes, policy);
  const chain = validateCertificateChainSync(inputs.chainOptions);
  const cose = parseDocumentEnvelope(inputs.parts);
  const document = parseNsmPayload(inputs.payload);
  const failure = checkSignatureNow(cose, chain);
  if (failure) throw badSignature(failure);
  return finish(inputs, document, chain);
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
