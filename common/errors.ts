/**
 * The root of every error nitro-mpc throws on purpose. Each part subclasses it with its own set of codes, so a
 * caller can branch on `err.code` (stable across releases) and show `err.message` to a person.
 */
export class NitroMpcError extends Error {
  /** Stable, machine-readable identifier of what failed, e.g. `ATTESTATION_PCR_MISMATCH`. */
  readonly code: string;
  /** Non-secret facts that help a person act on the error (which PCR, expected vs actual, ...). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options?.details;
  }

  toJSON(): { code: string; message: string; details?: Readonly<Record<string, unknown>> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
