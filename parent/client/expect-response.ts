import type { EnclaveResponse } from '../../protocol/index.js';
import { EnclaveRefusal } from './errors.js';

/** The response of the expected type, or the enclave's refusal as an `EnclaveRefusal` with its code. */
export function expectResponse<T extends EnclaveResponse['type']>(
  response: EnclaveResponse,
  type: T,
): Extract<EnclaveResponse, { type: T }> {
  if (response.type === 'error') throw new EnclaveRefusal(response.code, response.message);
  if (response.type !== type)
    throw new EnclaveRefusal('MESSAGE_INVALID', `expected ${type}, got ${response.type}`);
  return response as Extract<EnclaveResponse, { type: T }>;
}
