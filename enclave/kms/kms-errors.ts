import { KMSServiceException } from '@aws-sdk/client-kms';
import { KmsClientError, type KmsClientErrorCode } from './errors.js';
import { KmsRetriesExhausted } from './retry.js';

/** AWS error names (the `__type` KMS answers with) and what they mean to the enclave. */
const CODE_BY_AWS_ERROR: Readonly<Record<string, KmsClientErrorCode>> = {
  AccessDeniedException: 'KMS_ACCESS_DENIED',
  UnrecognizedClientException: 'KMS_CREDENTIALS_REJECTED',
  InvalidSignatureException: 'KMS_CREDENTIALS_REJECTED',
  IncompleteSignatureException: 'KMS_CREDENTIALS_REJECTED',
  MissingAuthenticationTokenException: 'KMS_CREDENTIALS_REJECTED',
  ExpiredTokenException: 'KMS_CREDENTIALS_REJECTED',
  NotFoundException: 'KMS_NOT_FOUND',
  InvalidCiphertextException: 'KMS_INVALID_CIPHERTEXT',
  DisabledException: 'KMS_KEY_UNUSABLE',
  KMSInvalidStateException: 'KMS_KEY_UNUSABLE',
  KeyUnavailableException: 'KMS_KEY_UNUSABLE',
  ThrottlingException: 'KMS_UNAVAILABLE',
  DependencyTimeoutException: 'KMS_UNAVAILABLE',
  KMSInternalException: 'KMS_UNAVAILABLE',
};

const HINT: Readonly<Record<KmsClientErrorCode, string>> = {
  KMS_ACCESS_DENIED: 'check the key policy: its principal, actions and RecipientAttestation conditions',
  KMS_UNAVAILABLE: 'KMS or the way to it is down; retry later',
  KMS_CREDENTIALS_REJECTED: 'the credentials passed to the enclave are wrong or expired; refresh them',
  KMS_NOT_FOUND: 'check the key id, alias and region',
  KMS_INVALID_CIPHERTEXT: 'the ciphertext or its encryption context is not the one KMS made',
  KMS_KEY_UNUSABLE: 'the key is disabled or pending deletion',
  KMS_REQUEST_REJECTED: 'see the KMS message',
  KMS_RESPONSE_INVALID: 'KMS answered in an unexpected form',
  KMS_ATTESTATION_FAILED: 'the NSM did not attest',
  KMS_OPTIONS_INVALID: 'fix the enclave configuration',
};

function describeCause(error: unknown): string {
  if (error instanceof KMSServiceException) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns whatever the SDK threw into a `KmsClientError` that says what to do next. `endpoint` names where KMS was
 * asked (never a credential), so that an operator sees which way to KMS is down.
 */
export function kmsClientErrorFrom(error: unknown, operation: string, endpoint?: string): KmsClientError {
  if (error instanceof KmsClientError) return error;
  if (error instanceof KmsRetriesExhausted) {
    const { attempts, elapsedMs, lastReason } = error.outcome;
    const seconds = (elapsedMs / 1000).toFixed(1);
    return new KmsClientError(
      'KMS_UNAVAILABLE',
      `KMS ${operation}${endpoint ? ` at ${endpoint}` : ''} failed ${attempts} time${attempts === 1 ? '' : 's'} ` +
        `over ${seconds} s, last with ${describeCause(error.cause)} (${HINT.KMS_UNAVAILABLE})`,
      {
        cause: error.cause,
        details: {
          attempts,
          elapsedMs,
          lastReason,
          ...(endpoint ? { endpoint } : {}),
          ...(error.cause instanceof KMSServiceException
            ? { awsError: error.cause.name, httpStatus: error.cause.$metadata.httpStatusCode }
            : {}),
        },
      },
    );
  }
  if (error instanceof KMSServiceException) {
    const mapped = CODE_BY_AWS_ERROR[error.name];
    const code: KmsClientErrorCode =
      mapped ?? (error.$fault === 'server' ? 'KMS_UNAVAILABLE' : 'KMS_REQUEST_REJECTED');
    return new KmsClientError(
      code,
      `KMS ${operation} failed with ${error.name}: ${error.message} (${HINT[code]})`,
      { cause: error, details: { awsError: error.name, httpStatus: error.$metadata.httpStatusCode } },
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new KmsClientError(
    'KMS_UNAVAILABLE',
    `KMS ${operation} did not complete: ${reason} (${HINT.KMS_UNAVAILABLE})`,
    {
      cause: error,
    },
  );
}
