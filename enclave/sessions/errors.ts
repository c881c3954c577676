import { NitroMpcError } from '../../common/errors.js';

/** Why the session service refused a request. Codes reach parties; messages never quote an input. */
export const SESSION_ERROR_CODES = [
  'SESSION_UNKNOWN',
  'SESSION_EXISTS',
  /** The manifest is valid but this enclave cannot run it (e.g. a party providing two inputs to one function). */
  'SESSION_UNSUPPORTED',
  /** Not every party has approved the manifest yet. */
  'SESSION_NOT_OPEN',
  /** The session was destroyed: its key is gone and nothing can be submitted or read. */
  'SESSION_DESTROYED',
  /** The party is not in the manifest, or not allowed to do this (provide that input, ask for evaluation, ...). */
  'PARTY_NOT_AUTHORIZED',
  'INPUT_UNKNOWN',
  'WINDOW_NOT_OPEN',
  'WINDOW_CLOSED',
  'ROUND_INVALID',
  /** Resubmission policy `reject` (or `first-wins`): this input was already provided this round. */
  'INPUT_ALREADY_PROVIDED',
  /** The same envelope arrived twice. */
  'INPUT_REPLAYED',
  'INPUT_TOO_LARGE',
  'THRESHOLD_NOT_MET',
  'EVALUATION_NOT_ALLOWED',
  'RESULT_NOT_READY',
  'RESULT_NOT_FOR_PARTY',
  /** Too many sessions or pending streams: the enclave protects its memory. */
  'CAPACITY_EXCEEDED',
] as const;

export type SessionErrorCode = (typeof SESSION_ERROR_CODES)[number];

export class SessionError extends NitroMpcError<SessionErrorCode> {}
