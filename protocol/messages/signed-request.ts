/**
 * Requests that reveal or change a session's state (status, evaluate, result, destroy) are signed by the party:
 * `auth = {partyId, timestamp, nonce, signature}`, the signature over [CONTEXTS.signedRequest, the request with
 * `auth.signature` left out]. The timestamp bounds how long a captured request stays usable; the nonce, remembered
 * for that long (`RequestNonceCache`), stops replays inside that span.
 */
import { type KeyObject, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { bytesToHex } from '../../common/bytes.js';
import { CONTEXTS } from '../codec/contexts.js';
import { bytesSchema, epochMsSchema, identifierSchema } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import type { SigningPublicKey } from '../signing/keys.js';
import { assertProtocolSignature, SIGNATURE_BYTES, signProtocolValue } from '../signing/signatures.js';

export const DEFAULT_MAX_SKEW_MS = 60_000;

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

  /** Records `nonce`; false when it was already seen (a replay) or the cache is full of live entries. */
  remember(partyId: string, nonce: Uint8Array, expiresAt: number, now: number): boolean {
    for (const [key, expiry] of this.seen) {
      if (expiry > now) break;
      this.seen.delete(key);
    }
    const key = `${partyId}:${bytesToHex(nonce)}`;
    if (this.seen.has(key) || this.seen.size >= this.maxEntries) return false;
    this.seen.set(key, expiresAt);
    return true;
  }
}

export interface VerifyRequestOptions {
  readonly now?: number;
  readonly maxSkewMs?: number;
  /** Without it only the timestamp is checked; the enclave always passes one per session. */
  readonly nonces?: RequestNonceCache;
}

/**
 * Enclave side: the request is signed by `signer` (the manifest's key for `auth.partyId`), recent, and not seen
 * before. `SIGNATURE_INVALID` or `REQUEST_REPLAYED`. Validate the request's schema first.
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
  if (Math.abs(now - request.auth.timestamp) > skew) {
    throw new ProtocolError(
      'REQUEST_REPLAYED',
      `the request is dated ${request.auth.timestamp}, more than ${skew} ms from now: check the clock and resend`,
    );
  }
  // Remembered until the timestamp can no longer pass the skew check; insertion order ≈ expiry order.
  if (
    options.nonces &&
    !options.nonces.remember(request.auth.partyId, request.auth.nonce, now + 2 * skew, now)
  ) {
    throw new ProtocolError(
      'REQUEST_REPLAYED',
      'this request was already received (nonce seen): send a fresh one',
    );
  }
}
