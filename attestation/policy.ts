import { bytesEqual, bytesToHex, hexToBytes, isAllZero } from '../common/bytes.js';
import type { AttestationDocument } from './document/types.js';
import { AttestationError } from './errors.js';
import type { Cert } from './x509/certificate.js';
import type { CertificateCache } from './x509/certificate-cache.js';

/** What a party expects of a document. Every field is optional; an empty policy checks only provenance. */
export interface AttestationPolicy {
  /** Verification time: a date, epoch milliseconds, or `'document'` for the document's own timestamp. Default now. */
  readonly at?: Date | number | 'document';
  /** Trust anchors. Default: the built-in AWS Nitro root G1. Passing roots replaces it. */
  readonly roots?: readonly Cert[];
  /** PCR index to the hex value(s) allowed for it. */
  readonly pcrs?: Readonly<Record<number, string | readonly string[]>>;
  readonly nonce?: string | Uint8Array;
  readonly userData?: string | Uint8Array;
  readonly publicKey?: string | Uint8Array;
  /** Oldest acceptable document, relative to `at`. */
  readonly maxAgeMs?: number;
  /**
   * How far the document's time, and the start of its certificates' validity, may lie after `at`: the party's
   * clock may run behind the enclave's. Default `DEFAULT_CLOCK_TOLERANCE_MS` (5 min).
   */
  readonly clockToleranceMs?: number;
  /** Accept debug-mode enclaves (PCR0..2 zero), whose memory the parent can read. Default false. */
  readonly allowDebug?: boolean;
  /** Certificate cache, or `false` for none. Default: a shared bounded cache. */
  readonly cache?: CertificateCache | false;
}

/** A policy with its hex decoded and checked, so that a bad policy fails before any document is looked at. */
export interface CompiledPolicy {
  readonly at: number | 'document' | undefined;
  readonly roots: readonly Cert[] | undefined;
  readonly pcrs: ReadonlyMap<number, readonly Uint8Array[]>;
  readonly nonce: Uint8Array | undefined;
  readonly userData: Uint8Array | undefined;
  readonly publicKey: Uint8Array | undefined;
  readonly maxAgeMs: number | undefined;
  readonly clockToleranceMs: number;
  readonly allowDebug: boolean;
  readonly cache: CertificateCache | false | undefined;
}

/**
 * How far a party's clock and the enclave's may disagree before times are refused: attestation documents (and the
 * notBefore of their certificates) dated after the verification time, and signed requests either way. Five minutes,
 * as AWS allows for SigV4 and for KMS Recipient documents.
 */
export const DEFAULT_CLOCK_TOLERANCE_MS = 5 * 60_000;

function invalid(message: string): AttestationError {
  return new AttestationError('ATTESTATION_POLICY_INVALID', `invalid attestation policy: ${message}`);
}

function toBytes(value: string | Uint8Array | undefined, what: string): Uint8Array | undefined {
  if (value === undefined || value instanceof Uint8Array) return value;
  try {
    return hexToBytes(value);
  } catch {
    throw invalid(`${what} must be hex or bytes`);
  }
}

function nonNegative(value: number | undefined, what: string): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw invalid(`${what} must be a non-negative number`);
  }
  return value;
}

export function compilePolicy(policy: AttestationPolicy): CompiledPolicy {
  if (typeof policy !== 'object' || policy === null) throw invalid('expected an object');
  let at: number | 'document' | undefined;
  if (policy.at === 'document' || policy.at === undefined) at = policy.at;
  else {
    at = policy.at instanceof Date ? policy.at.getTime() : policy.at;
    if (typeof at !== 'number' || !Number.isFinite(at))
      throw invalid('at must be a Date, epoch ms or "document"');
  }
  const pcrs = new Map<number, Uint8Array[]>();
  for (const [key, allowed] of Object.entries(policy.pcrs ?? {})) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index > 31) throw invalid(`PCR index ${key} is not 0..31`);
    const values = typeof allowed === 'string' ? [allowed] : allowed;
    if (!Array.isArray(values) || values.length === 0) throw invalid(`PCR${index} needs at least one value`);
    pcrs.set(
      index,
      values.map((v) => {
        const bytes = toBytes(v, `PCR${index}`);
        if (!bytes || ![32, 48, 64].includes(bytes.byteLength))
          throw invalid(`PCR${index} must be 32, 48 or 64 bytes`);
        return bytes;
      }),
    );
  }
  return {
    at,
    roots: policy.roots,
    pcrs,
    nonce: toBytes(policy.nonce, 'nonce'),
    userData: toBytes(policy.userData, 'userData'),
    publicKey: toBytes(policy.publicKey, 'publicKey'),
    maxAgeMs: nonNegative(policy.maxAgeMs, 'maxAgeMs'),
    clockToleranceMs: nonNegative(policy.clockToleranceMs, 'clockToleranceMs') ?? DEFAULT_CLOCK_TOLERANCE_MS,
    allowDebug: policy.allowDebug === true,
    cache: policy.cache,
  };
}

/** One policy rule: returns the failure, or undefined when the document passes it. */
type Rule = (doc: AttestationDocument, policy: CompiledPolicy, at: number) => AttestationError | undefined;

const DEBUG_PCRS = [0, 1, 2];

const debugRule: Rule = (doc, policy) => {
  if (policy.allowDebug) return undefined;
  const zero = DEBUG_PCRS.filter((i) => {
    const value = doc.pcrs.get(i);
    return value === undefined || isAllZero(value);
  });
  if (zero.length === 0) return undefined;
  return new AttestationError(
    'ATTESTATION_DEBUG_ENCLAVE',
    `PCR${zero.join(', PCR')} ${zero.length > 1 ? 'are' : 'is'} zero: the enclave runs in debug mode, where the parent ` +
      'can read its memory; pass allowDebug only for development',
    { details: { pcrs: zero } },
  );
};

const pcrRule: Rule = (doc, policy) => {
  for (const [index, allowed] of policy.pcrs) {
    const actual = doc.pcrs.get(index);
    if (actual === undefined || !allowed.some((v) => bytesEqual(v, actual))) {
      return new AttestationError(
        'ATTESTATION_PCR_MISMATCH',
        `PCR${index} is ${actual ? bytesToHex(actual) : 'absent'}, expected ${allowed.map(bytesToHex).join(' or ')}`,
        {
          details: {
            pcr: index,
            actual: actual ? bytesToHex(actual) : null,
            expected: allowed.map(bytesToHex),
          },
        },
      );
    }
  }
  return undefined;
};

function equalityRule(
  field: 'nonce' | 'userData' | 'publicKey',
  code: 'ATTESTATION_NONCE_MISMATCH' | 'ATTESTATION_USER_DATA_MISMATCH' | 'ATTESTATION_PUBLIC_KEY_MISMATCH',
  label: string,
): Rule {
  return (doc, policy) => {
    const expected = policy[field];
    if (expected === undefined) return undefined;
    const actual = doc[field];
    if (actual !== undefined && bytesEqual(actual, expected)) return undefined;
    return new AttestationError(
      code,
      actual === undefined
        ? `the document carries no ${label}, but the policy expects one`
        : `the document's ${label} differs from the expected one`,
      { details: { field: label } },
    );
  };
}

const freshnessRule: Rule = (doc, policy, at) => {
  if (doc.timestamp > at + policy.clockToleranceMs) {
    return new AttestationError(
      'ATTESTATION_FROM_FUTURE',
      `the document is dated ${new Date(doc.timestamp).toISOString()}, ${doc.timestamp - at} ms after the ` +
        `verification time ${new Date(at).toISOString()} (tolerance ${policy.clockToleranceMs} ms): this clock is ` +
        "behind the enclave's by that much, or the time is forged; set the clock right (NTP) and verify again",
      {
        details: {
          timestamp: doc.timestamp,
          at,
          skewMs: doc.timestamp - at,
          toleranceMs: policy.clockToleranceMs,
        },
      },
    );
  }
  if (policy.maxAgeMs !== undefined && at - doc.timestamp > policy.maxAgeMs) {
    return new AttestationError(
      'ATTESTATION_STALE',
      `the document is ${at - doc.timestamp} ms old, over the ${policy.maxAgeMs} ms allowed; request a fresh one`,
      { details: { ageMs: at - doc.timestamp, maxAgeMs: policy.maxAgeMs } },
    );
  }
  return undefined;
};

const RULES: readonly Rule[] = [
  debugRule,
  pcrRule,
  equalityRule('nonce', 'ATTESTATION_NONCE_MISMATCH', 'nonce'),
  equalityRule('userData', 'ATTESTATION_USER_DATA_MISMATCH', 'user_data'),
  equalityRule('publicKey', 'ATTESTATION_PUBLIC_KEY_MISMATCH', 'public_key'),
  freshnessRule,
];

/** Every rule the document fails, in a fixed order (empty when it satisfies the policy). */
export function checkPolicy(
  doc: AttestationDocument,
  policy: CompiledPolicy,
  at: number,
): AttestationError[] {
  const failures: AttestationError[] = [];
  for (const rule of RULES) {
    const failure = rule(doc, policy, at);
    if (failure) failures.push(failure);
  }
  return failures;
}
