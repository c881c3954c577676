/**
 * enclave/nsm: the Nitro Secure Module as the enclave app sees it. `openNsmDevice()` talks to `/dev/nsm`; the
 * simulator (simulator/nsm) implements the same `Nsm` interface off Nitro.
 */
export { NSM_GET_RANDOM_MAX, NsmClient } from './client.js';
export { decodeNsmRequest, decodeNsmResponse, encodeNsmRequest, encodeNsmResponse } from './codec.js';
export { NsmDeviceTransport, type OpenNsmDeviceOptions, openNsmDevice } from './device.js';
export { isNsmError, NSM_ERROR_CODES, NsmError, type NsmErrorCode } from './errors.js';
export type { AttestOptions, Nsm, NsmDescription, PcrState } from './nsm.js';
export {
  NSM_DEVICE_PATH,
  NSM_ERROR_CODE_BY_NAME,
  NSM_ERROR_NAMES,
  NSM_IOCTL_RAW,
  NSM_REQUEST_MAX_SIZE,
  NSM_RESPONSE_MAX_SIZE,
  type NsmDigest,
  type NsmErrorName,
  type NsmRequest,
  type NsmRequestType,
  type NsmResponse,
  type NsmResponseType,
} from './protocol.js';
export type { NsmTransport } from './transport.js';
