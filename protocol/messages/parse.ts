import type { NitroMpcError } from '../../common/errors.js';
import { cborToPlain } from '../codec/plain.js';
import { parseWith } from '../codec/schema.js';
import { ProtocolError } from '../errors.js';
import { type PartyRequest, partyRequestSchema } from './requests.js';
import { type EnclaveResponse, type ErrorResponse, enclaveResponseSchema } from './responses.js';

/** Decoded CBOR (Maps) or plain objects: both are accepted, so the transport may hand over either. */
function normalize(value: unknown): unknown {
  try {
    return cborToPlain(value);
  } catch (error) {
    throw new ProtocolError('MESSAGE_INVALID', `message: ${(error as Error).message}`);
  }
}

/** Enclave side: validates a request at the edge (`MESSAGE_INVALID` otherwise). */
export function parsePartyRequest(value: unknown): PartyRequest {
  return parseWith(partyRequestSchema, normalize(value), 'MESSAGE_INVALID', 'request');
}

/** Party side: validates a response at the edge (`MESSAGE_INVALID` otherwise). */
export function parseEnclaveResponse(value: unknown): EnclaveResponse {
  return parseWith(enclaveResponseSchema, normalize(value), 'MESSAGE_INVALID', 'response');
}

const MAX_MESSAGE_CHARS = 1024;

/** The error response for a refusal; unknown errors become `INTERNAL` without their message (it may leak). */
export function errorResponseOf(error: unknown): ErrorResponse {
  const known = error as Partial<NitroMpcError>;
  if (error instanceof Error && typeof known.code === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(known.code)) {
    return { type: 'error', code: known.code, message: error.message.slice(0, MAX_MESSAGE_CHARS) };
  }
  return { type: 'error', code: 'INTERNAL', message: 'internal error' };
}
