/**
 * Requests that reveal or change a session's state (status, evaluate, result, destroy) are signed by the party:
 * `auth = {partyId, timestamp, nonce, signature}`, the signature over [CONTEXTS.signedRequest, the request with
 * `auth.signature` left out]. The timestamp bounds how long a captured request stays usable; the nonce, remembered
 * for that long (`RequestNonceCache`), stops replays inside that span. The timestamp is the party's clock and is
 * judged by the enclave's: it must lie within ±`maxSkewMs` of it (default five minutes), and it decides nothing
 * else (the submission window is the enclave's clock alone).
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_CLOCK_TOLERANCE_MS } from '../../attestation/policy.js';
import { bytesToHex } from '../../common/bytes.js';
import { CONTEXTS } from '../codec/contexts.js';
import { bytesSchema, epochMsSchema, identifierSchema } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import type { SigningPublicKey } from '../signing/keys.js';
import { assertProtocolSignature, SIGNATURE_BYTES, signProtocolValue } from '../signing/signatures.js';

/** How far a request's timestamp may lie from the enclave's clock, either way: the attestation tolerance. */
export const DEFAULT_MAX_SKEW_MS = DEFAULT_CLOCK_TOLERANCE_MS;

export const requestAuthSchema = z.strictObject({
  partyId: identifierSchema,
  timestamp: epochMsSchema,
  nonce: bytesSchema(16, 32),
  signature: bytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
});
export type RequestAuth = z.infer<typeof requestAuthSchema>;

interface Authenticated {
  readonly type: string;
  readonly auth: RequestAuth;
}

function toBeSignedRequest(request: Authenticated): unknown {
  const { signature: _signature, ...auth } = request.auth;
  return { ...request, auth };
}

/** Party side: adds `auth` to a request. */
export function signRequest<R extends { readonly type: string }>(
  request: R,
  partyId: string,
  privateKey: KeyObject,
  now: number = Date.now(),
): R & { auth: RequestAuth } {
  const auth = { partyId, timestamp: now, nonce: new Uint8Array(randomBytes(16)) };
  const body = { ...request, auth };
  const signature = signProtocolValue(CONTEXTS.signedRequest, body, privateKey);
  return { ...request, auth: { ...auth, signature } };
}

/** Nonces seen within the skew window; bounded so a flood cannot grow it without limit. */
export class RequestNonceCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  /**
   * Records `nonce`: `replayed` when it was already seen, `full` when the cache holds only live entries (a flood;
   * the request is refused without being called a replay), else `remembered`.
   */
  remember(
    partyId: string,
    nonce: Uint8Array,
    expiresAt: number,
    now: number,
  ): 'remembered' | 'replayed' | 'full' {
    for (const [key, expiry] of this.seen) {
      if (expiry > now) break;
      this.seen.delete(key);
    }
    const key = `${partyId}:${bytesToHex(nonce)}`;
    if (this.seen.has(key)) return 'replayed';
    if (this.seen.size >= this.maxEntries) return 'full';
    this.seen.set(key, expiresAt);
    return 'remembered';
  }
}

function duration(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** The refusal of a request dated too far from the enclave's clock, saying by how much and which way. */
function clockSkew(timestamp: number, now: number, tolerance: number): ProtocolError {
  const skewMs = timestamp - now;
  const direction = skewMs > 0 ? 'ahead of' : 'behind';
  return new ProtocolError(
    'REQUEST_CLOCK_SKEW',
    `the request is dated ${new Date(timestamp).toISOString()}, ${duration(skewMs)} ${direction} the enclave's clock ` +
      `(${new Date(now).toISOString()}; tolerance ±${duration(tolerance)}): set this machine's clock right (NTP) ` +
      'and send the request again, newly signed',
    { details: { skewMs, toleranceMs: tolerance, requestTime: timestamp, enclaveTime: now } },
  );
}

export interface VerifyRequestOptions {
  /** The enclave's clock. Default `Date.now()`. */
  readonly now?: number;
  /** How far the request's timestamp may lie before or after `now`. Default `DEFAULT_MAX_SKEW_MS` (5 min). */
  readonly maxSkewMs?: number;
  /** Without it only the timestamp is checked; the enclave always passes one per session. */
  readonly nonces?: RequestNonceCache;
}

/**
 * Enclave side: the request is signed by `signer` (the manifest's key for `auth.partyId`), dated within the clock
 * tolerance, and not seen before. `SIGNATURE_INVALID`, `REQUEST_CLOCK_SKEW` (with the skew measured) or
 * `REQUEST_REPLAYED`. Validate the request's schema first.
 */
export function verifyRequest(
  request: Authenticated,
  signer: SigningPublicKey,
  options: VerifyRequestOptions = {},
): void {
  assertProtocolSignature(
    CONTEXTS.signedRequest,
    toBeSignedRequest(request),
    request.auth.signature,
    signer,
    `${request.type} request from "${request.auth.partyId}"`,
  );
  const now = options.now ?? Date.now();
  const skew = options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (!(Number.isFinite(skew) && skew >= 0)) {
    throw new ProtocolError('MESSAGE_INVALID', `maxSkewMs must be a non-negative number, not ${skew}`);
  }
  const measured = request.auth.timestamp - now;
  if (Math.abs(measured) > skew) throw clockSkew(request.auth.timestamp, now, skew);
  // Remembered until the timestamp can no longer pass the skew check (not longer: a wide tolerance must not fill
  // the cache); insertion order ≈ expiry order, and an entry kept a little too long is harmless.
  const outcome = options.nonces?.remember(
    request.auth.partyId,
    request.auth.nonce,
    request.auth.timestamp + skew + 1,
    now,
  );
  if (outcome === 'replayed') {
    throw new ProtocolError(
      'REQUEST_REPLAYED',
      'this request was already received (nonce seen): send a fresh one',
    );
  }
  if (outcome === 'full') {
    throw new ProtocolError(
      'REQUEST_RATE_EXCEEDED',
      `this session received more signed requests than it can remember within ${duration(skew)}: retry later`,
    );
  }
}
