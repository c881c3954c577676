export { errorResponseOf, parseEnclaveResponse, parsePartyRequest } from './parse.js';
export * from './requests.js';
export * from './responses.js';
export {
  DEFAULT_MAX_SKEW_MS,
  type RequestAuth,
  RequestNonceCache,
  requestAuthSchema,
  signRequest,
  type VerifyRequestOptions,
  verifyRequest,
} from './signed-request.js';
