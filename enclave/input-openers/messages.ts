import type { InputBinding, InputOpeningKeys } from '../../protocol/index.js';

/** Marks the enclave bundle's worker threads that open inputs (the bundle is their entry point too). */
export const INPUT_OPENER_ROLE = 'nitro-mpc/input-opener';

/** What a worker is started with. */
export interface InputOpenerData {
  readonly role: typeof INPUT_OPENER_ROLE;
  /** One counter the worker adds 1 to as it finishes each request (before replying): the pool's view of its backlog. */
  readonly finished: Int32Array;
}

/** Main thread → worker: answer what you hold, then stop (a clean exit, so profiles and the like are written). */
export const STOP = 'stop';

/**
 * One envelope to check and open, with its keys in their thread-portable form. The main thread posts them in
 * batches (an array per message) and the worker answers in batches of `OpenReply`.
 */
export interface OpenRequest {
  readonly id: number;
  readonly envelope: unknown;
  readonly keys: InputOpeningKeys;
  readonly expected: InputBinding;
}

/** Why a worker refused an envelope: a coded error crosses as its code, message and details. */
export interface OpenFailure {
  readonly code: string | undefined;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/** Worker → main thread (in batches). The plaintext's buffer is transferred, not copied: no copy is left in the worker. */
export type OpenReply =
  | { readonly id: number; readonly plaintext: Uint8Array; readonly commitment: Uint8Array }
  | { readonly id: number; readonly failure: OpenFailure };
