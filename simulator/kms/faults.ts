/**
 * Fault injection for tests of KMS clients: the simulator answers the next N requests with a failure KMS or the
 * way to it really produces (throttling, KMS's own 5xx, a gateway's 503, a connection reset), then serves again.
 * It also counts the requests it received, so a test can assert how many attempts a client made.
 */
import { KmsServiceError } from './errors.js';

/** What an injected failure looks like on the wire. */
export type KmsFault =
  | 'ThrottlingException'
  | 'KMSInternalException'
  | 'DependencyTimeoutException'
  | 'ServiceUnavailable'
  | 'AccessDeniedException'
  | 'connection-reset';

const ANSWERS: Readonly<Record<Exclude<KmsFault, 'connection-reset'>, () => KmsServiceError>> = {
  ThrottlingException: () => new KmsServiceError('ThrottlingException', 'Rate exceeded', 400),
  KMSInternalException: () =>
    new KmsServiceError('KMSInternalException', 'An internal error occurred (injected).', 500),
  DependencyTimeoutException: () =>
    new KmsServiceError('DependencyTimeoutException', 'The system timed out (injected).', 503),
  ServiceUnavailable: () =>
    new KmsServiceError('ServiceUnavailableException', 'Service unavailable (injected).', 503),
  AccessDeniedException: () => new KmsServiceError('AccessDeniedException', 'Access denied (injected).', 400),
};

export class KmsFaultInjector {
  #queue: KmsFault[] = [];
  #received = 0;

  /** The next `count` requests fail with `fault`, after any already queued. */
  failNext(count: number, fault: KmsFault): void {
    for (let i = 0; i < count; i++) this.#queue.push(fault);
  }

  /** Requests received since start (or the last `reset`), failed or not. */
  get received(): number {
    return this.#received;
  }

  /** Failures still queued. */
  get pending(): number {
    return this.#queue.length;
  }

  reset(): void {
    this.#queue = [];
    this.#received = 0;
  }

  /** Counts a request; returns the failure to answer it with, if one is queued. */
  take(): KmsServiceError | 'connection-reset' | undefined {
    this.#received += 1;
    const fault = this.#queue.shift();
    if (fault === undefined || fault === 'connection-reset') return fault;
    return ANSWERS[fault]();
  }
}
