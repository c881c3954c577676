/** What an error may carry besides its code and message. */
export interface NitroMpcErrorOptions {
  readonly cause?: unknown;
  readonly details?: Record<string, unknown>;
}

/**
 * The root of every error nitro-mpc throws on purpose. Each part subclasses it with its own union of codes
 * (`class AttestationError extends NitroMpcError<AttestationErrorCode> {}`), so a caller can branch on `err.code`
 * (stable across releases) and show `err.message` to a person.
 */
export class NitroMpcError<Code extends string = string> extends Error {
  /** Stable, machine-readable identifier of what failed, e.g. `ATTESTATION_PCR_MISMATCH`. */
  readonly code: Code;
  /** Non-secret facts that help a person act on the error (which PCR, expected vs actual, ...). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: Code, message: string, options?: NitroMpcErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }

  toJSON(): { code: Code; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
