/**
 * Retries of KMS calls from the enclave: exponential backoff with full jitter, on failures that another attempt
 * can cure (network, timeouts, throttling, 5xx) and never on answers that will not change (AccessDenied, a bad
 * ciphertext, validation). The SDK's own retries are switched off on clients the enclave makes (`maxAttempts: 1`)
 * so that attempts are counted once, the total time is bounded and the final error can say how long it tried.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KMSServiceException } from '@aws-sdk/client-kms';
import { z } from 'zod';
import { KmsClientError } from './errors.js';

/** How hard the enclave tries before it answers `KMS_UNAVAILABLE`. */
export interface KmsRetryPolicy {
  /** Attempts in all, the first included. Default 5; 1 turns retries off. */
  readonly maxAttempts?: number;
  /**
   * The backoff before attempt n+1 is drawn from [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. Default 200 ms: the
   * default five attempts then span up to 3 s, enough for a relay or endpoint restart, short for a waiting party.
   */
  readonly baseDelayMs?: number;
  /** Default 5 s. */
  readonly maxDelayMs?: number;
  /** No attempt starts after this long since the first one (a party is waiting). Default 30 s. */
  readonly maxTotalMs?: number;
  /** One attempt is abandoned (and counts as a timeout) after this long. Default 10 s. */
  readonly attemptTimeoutMs?: number;
  /** Told before each backoff (and awaited): for logs and metrics. Carries no request or key. */
  readonly onRetry?: (event: KmsRetryEvent) => void | Promise<void>;
  /** Jitter source, in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

export interface KmsRetryEvent {
  readonly operation: string;
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  readonly delayMs: number;
  /** What failed: an AWS error name, a network error code, or `Timeout`. */
  readonly reason: string;
}

export interface ResolvedKmsRetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxTotalMs: number;
  readonly attemptTimeoutMs: number;
  readonly onRetry: ((event: KmsRetryEvent) => void | Promise<void>) | undefined;
  readonly random: () => number;
}

export const DEFAULT_KMS_RETRY_POLICY = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxTotalMs: 30_000,
  attemptTimeoutMs: 10_000,
} as const;

const policySchema = z.object({
  maxAttempts: z.int().min(1).max(100).optional(),
  baseDelayMs: z.number().min(0).max(60_000).optional(),
  maxDelayMs: z.number().min(0).max(600_000).optional(),
  maxTotalMs: z.number().min(0).max(3_600_000).optional(),
  attemptTimeoutMs: z.number().positive().max(600_000).optional(),
});

export function resolveKmsRetryPolicy(policy: KmsRetryPolicy = {}): ResolvedKmsRetryPolicy {
  const parsed = policySchema.safeParse(policy);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KmsClientError(
      'KMS_OPTIONS_INVALID',
      `KMS retry option ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return {
    maxAttempts: policy.maxAttempts ?? DEFAULT_KMS_RETRY_POLICY.maxAttempts,
    baseDelayMs: policy.baseDelayMs ?? DEFAULT_KMS_RETRY_POLICY.baseDelayMs,
    maxDelayMs: policy.maxDelayMs ?? DEFAULT_KMS_RETRY_POLICY.maxDelayMs,
    maxTotalMs: policy.maxTotalMs ?? DEFAULT_KMS_RETRY_POLICY.maxTotalMs,
    attemptTimeoutMs: policy.attemptTimeoutMs ?? DEFAULT_KMS_RETRY_POLICY.attemptTimeoutMs,
    onRetry: policy.onRetry,
    random: policy.random ?? Math.random,
  };
}

/**
 * AWS error names that mean "later": KMS's own and the AWS front end's. Not KMS's LimitExceededException: that is a
 * resource quota (keys, grants), which waiting does not lift; request rates are ThrottlingException.
 */
const RETRYABLE_AWS_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSInternalException',
  'DependencyTimeoutException',
  'ServiceUnavailableException',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Socket and DNS failures on the way to KMS (or to the parent's egress relay). */
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'TRANSPORT_CONNECT_FAILED',
  'TRANSPORT_CONNECTION_LOST',
  'TRANSPORT_UNAVAILABLE',
]);

/** Why `error` is worth another attempt, or undefined when it is not (the answer would be the same). */
export function retryableReason(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  if (error instanceof KMSServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    if (RETRYABLE_AWS_ERRORS.has(error.name) || status === 429 || status >= 500) return error.name;
    return undefined;
  }
  const { name, code, cause } = error as { name?: unknown; code?: unknown; cause?: unknown };
  if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code)) return code;
  if (name === 'TimeoutError' || name === 'AttemptTimeout') return 'Timeout';
  return retryableReason(cause, depth + 1);
}

/** Full jitter: spreads the retries of many enclaves hit by the same outage. */
export function backoffDelay(attempt: number, policy: ResolvedKmsRetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

export interface RetryOutcome {
  readonly attempts: number;
  readonly elapsedMs: number;
  /** The last failure and why it was retryable, when every attempt failed that way. */
  readonly lastReason: string;
}

/** Thrown by `withKmsRetries` when the attempts or the time ran out on retryable failures. */
export class KmsRetriesExhausted extends Error {
  constructor(
    readonly outcome: RetryOutcome,
    override readonly cause: unknown,
  ) {
    super(`KMS did not answer after ${outcome.attempts} attempts (${outcome.lastReason})`);
    this.name = 'KmsRetriesExhausted';
  }
}

/**
 * Runs `attempt` (given an abort signal that fires after `attemptTimeoutMs`) until it succeeds, fails for a reason
 * that is not retryable (rethrown as is), or the attempts or total time run out (`KmsRetriesExhausted`).
 */
export async function withKmsRetries<T>(
  operation: string,
  policy: ResolvedKmsRetryPolicy,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  for (let n = 1; ; n++) {
    const timeout = AbortSignal.timeout(policy.attemptTimeoutMs);
    let error: unknown;
    try {
      return await attempt(timeout);
    } catch (caught) {
      error = caught;
    }
    // An aborted attempt surfaces as the SDK's AbortError: it was our timeout, so it is a timeout.
    const reason = timeout.aborted ? 'Timeout' : retryableReason(error);
    if (reason === undefined) throw error;
    const delayMs = backoffDelay(n, policy);
    const elapsedMs = performance.now() - started;
    if (n >= policy.maxAttempts || elapsedMs + delayMs >= policy.maxTotalMs) {
      throw new KmsRetriesExhausted(
        { attempts: n, elapsedMs: Math.round(elapsedMs), lastReason: reason },
        error,
      );
    }
    await policy.onRetry?.({ operation, attempt: n, delayMs, reason });
    await sleep(delayMs);
  }
}
