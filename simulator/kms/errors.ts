import { NitroMpcError } from '../../common/errors.js';

/**
 * An error answered to a KMS client, in KMS's JSON 1.1 shape: `{"__type": name, "message": text}` with an HTTP
 * status. Names and statuses are AWS's (KMS API Reference, AWS common errors); the SDK turns the name into the
 * error it throws.
 */
export class KmsServiceError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.name = 'KmsServiceError';
    this.type = type;
    this.status = status;
  }

  /** The response body. KMS writes `message`, except for AccessDeniedException, where it writes `Message`. */
  toBody(): Record<string, string> {
    return this.type === 'AccessDeniedException'
      ? { __type: this.type, Message: this.message }
      : { __type: this.type, message: this.message };
  }
}

export const kmsError = {
  accessDenied: (message: string) => new KmsServiceError('AccessDeniedException', message),
  notFound: (message: string) => new KmsServiceError('NotFoundException', message),
  invalidCiphertext: (message: string) => new KmsServiceError('InvalidCiphertextException', message),
  incorrectKey: () =>
    new KmsServiceError(
      'IncorrectKeyException',
      'The key ID in the request does not identify a KMS key that can perform this operation.',
    ),
  validation: (message: string) => new KmsServiceError('ValidationException', message),
  invalidState: (message: string) => new KmsServiceError('KMSInvalidStateException', message),
  disabled: (message: string) => new KmsServiceError('DisabledException', message),
  alreadyExists: (message: string) => new KmsServiceError('AlreadyExistsException', message),
  invalidAliasName: (message: string) => new KmsServiceError('InvalidAliasNameException', message),
  invalidMarker: (message: string) => new KmsServiceError('InvalidMarkerException', message),
  malformedPolicy: (message: string) => new KmsServiceError('MalformedPolicyDocumentException', message),
  limitExceeded: (message: string) => new KmsServiceError('LimitExceededException', message),
  unsupportedOperation: (message: string) => new KmsServiceError('UnsupportedOperationException', message),
  serialization: (message: string) => new KmsServiceError('SerializationException', message),
  invalidKeyUsage: (message: string) => new KmsServiceError('InvalidKeyUsageException', message),
  dryRun: () =>
    new KmsServiceError(
      'DryRunOperationException',
      'The request would have succeeded, but the DryRun option is set.',
      412,
    ),
  unknownOperation: () =>
    new KmsServiceError('UnknownOperationException', 'The operation is not one the KMS simulator answers.'),
  internal: () => new KmsServiceError('KMSInternalException', 'An internal error occurred.', 500),
} as const;

/** Authentication failures, as AWS's front end answers them for JSON protocols. */
export const authError = {
  missingToken: () =>
    new KmsServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token'),
  incomplete: (message: string) => new KmsServiceError('IncompleteSignatureException', message),
  unrecognizedClient: () =>
    new KmsServiceError(
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    ),
  invalidSignature: (
    message = 'The request signature we calculated does not match the signature you provided. Check your AWS ' +
      'Secret Access Key and signing method. Consult the service documentation for details.',
  ) => new KmsServiceError('InvalidSignatureException', message),
} as const;

/** A problem starting or running the simulator itself (state directory, options), not a KMS answer. */
export const KMS_SIMULATOR_ERROR_CODES = ['KMS_SIM_STATE_INVALID', 'KMS_SIM_OPTIONS_INVALID'] as const;
export type KmsSimulatorErrorCode = (typeof KMS_SIMULATOR_ERROR_CODES)[number];

export class KmsSimulatorError extends NitroMpcError<KmsSimulatorErrorCode> {}
