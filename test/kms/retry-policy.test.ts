/** The retry policy on its own: which failures are worth another attempt, and how the backoff grows. */
import { KMSServiceException } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KMS_RETRY_POLICY, retryableReason } from '../../enclave/kms/index.js';
import { backoffDelay, resolveKmsRetryPolicy } from '../../enclave/kms/retry.js';

function awsError(
  name: string,
  status: number,
  fault: 'client' | 'server' = status >= 500 ? 'server' : 'client',
) {
  return new KMSServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

const systemError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('retryableReason', () => {
  it.each([
    [awsError('ThrottlingException', 400), 'ThrottlingException'],
    [awsError('KMSInternalException', 500), 'KMSInternalException'],
    [awsError('DependencyTimeoutException', 503), 'DependencyTimeoutException'],
    [awsError('SomethingNew', 502), 'SomethingNew'],
    [awsError('SlowDown', 429), 'SlowDown'],
    [systemError('ECONNREFUSED'), 'ECONNREFUSED'],
    [systemError('ECONNRESET'), 'ECONNRESET'],
    [Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'Timeout'],
    [new Error('wrapped', { cause: systemError('EPIPE') }), 'EPIPE'],
  ])('retries %s', (error, reason) => {
    expect(retryableReason(error)).toBe(reason);
  });

  it.each([
    awsError('AccessDeniedException', 400),
    awsError('InvalidCiphertextException', 400),
    awsError('ValidationException', 400),
    awsError('IncorrectKeyException', 400),
    awsError('NotFoundException', 400),
    awsError('LimitExceededException', 400),
    awsError('UnrecognizedClientException', 400),
    systemError('ENOTFOUND'),
    new TypeError('a bug'),
    'a string',
  ])('does not retry %s', (error) => {
    expect(retryableReason(error)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, drawn below that ceiling (full jitter)', () => {
    const top = resolveKmsRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999_999 });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, top))).toEqual([99, 199, 399, 799, 999, 999]);
    const bottom = resolveKmsRetryPolicy({ random: () => 0 });
    expect(backoffDelay(3, bottom)).toBe(0);
  });

  it('has sane defaults and refuses nonsense', () => {
    expect(resolveKmsRetryPolicy()).toMatchObject(DEFAULT_KMS_RETRY_POLICY);
    for (const bad of [
      { maxAttempts: 0 },
      { maxAttempts: 1.5 },
      { baseDelayMs: -1 },
      { attemptTimeoutMs: 0 },
    ]) {
      expect(() => resolveKmsRetryPolicy(bad)).toThrow(
        expect.objectContaining({ code: 'KMS_OPTIONS_INVALID' }),
      );
    }
  });
});
