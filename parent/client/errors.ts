import { NitroMpcError } from '../../common/errors.js';

/** The enclave refused a request: `code` is its code (e.g. `WINDOW_CLOSED`), the message its explanation. */
export class EnclaveRefusal extends NitroMpcError {}

/** What the client itself finds wrong with the session's state as the enclave reports it. */
export const SESSION_STATE_ERROR_CODES = [
  /**
   * The enclave reports an older state than it acknowledged to this party (a smaller journal counter, or no session
   * at all): the parent rolled the enclave's stored state back. Send nothing more; tell the other parties.
   */
  'STATE_ROLLBACK',
  /** The state report is not signed by the session key this party verified by attestation. */
  'STATE_PROOF_INVALID',
] as const;

export type SessionStateErrorCode = (typeof SESSION_STATE_ERROR_CODES)[number];

export class SessionStateError extends NitroMpcError<SessionStateErrorCode> {}
