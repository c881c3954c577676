/**
 * A fuzz target feeds bytes to one parser and checks its contract: the parser returns a valid value, or refuses
 * with its own typed error and one of its codes. Anything else (a TypeError, a RangeError, another part's error,
 * an invariant broken on a value it accepted) is a finding. Hangs and allocations are the runner's to notice.
 */
import { NitroMpcError } from '../../../common/errors.js';

export interface FuzzTarget {
  /** Short name, as `npm run fuzz -- --target <name>` takes it. */
  readonly name: string;
  /** What the target drives, for reports. */
  readonly parser: string;
  /** Real and valid encodings to mutate. Built once per process. */
  seeds(): Promise<readonly Uint8Array[]>;
  /** Feeds `bytes`; throws `FuzzFinding` when the contract is broken, returns otherwise. */
  run(bytes: Uint8Array): void | Promise<void>;
}

/** A broken contract: what the parser did, on which bytes. */
export class FuzzFinding extends Error {
  constructor(
    readonly target: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${target}: ${message}`, options);
    this.name = 'FuzzFinding';
  }

  /** Groups findings that are the same bug: the target and the first line of the message. */
  get signature(): string {
    return this.message.split('\n')[0] ?? this.message;
  }
}

/** What a parser may refuse with: an error class (a NitroMpcError subclass, or one of common/'s format errors). */
export interface Refusal {
  readonly type: abstract new (...args: never[]) => Error;
  /** For a NitroMpcError: the codes allowed; omitted means any code of that class. */
  readonly codes?: readonly string[];
}

function describe(error: unknown): string {
  if (error instanceof NitroMpcError) return `${error.name} ${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}\n${error.stack ?? ''}`;
  return `a thrown ${typeof error}: ${String(error)}`;
}

export function isRefusal(error: unknown, refusals: readonly Refusal[]): boolean {
  return refusals.some(
    (r) =>
      error instanceof r.type &&
      (r.codes === undefined || (error instanceof NitroMpcError && r.codes.includes(error.code))),
  );
}

/** Runs `parse`: its value, or `undefined` when it refused as allowed; a `FuzzFinding` for anything else. */
export async function refusedOrValid<T>(
  target: string,
  refusals: readonly Refusal[],
  parse: () => T | Promise<T>,
): Promise<T | undefined> {
  try {
    return await parse();
  } catch (error) {
    if (error instanceof FuzzFinding) throw error;
    if (isRefusal(error, refusals)) return undefined;
    throw new FuzzFinding(target, `unexpected throw: ${describe(error)}`, { cause: error });
  }
}

/** Same, for parsers that must answer synchronously. */
export function refusedOrValidSync<T>(
  target: string,
  refusals: readonly Refusal[],
  parse: () => T,
): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FuzzFinding) throw error;
    if (isRefusal(error, refusals)) return undefined;
    throw new FuzzFinding(target, `unexpected throw: ${describe(error)}`, { cause: error });
  }
}

/** An invariant on an accepted value. */
export function check(target: string, ok: boolean, message: string): void {
  if (!ok) throw new FuzzFinding(target, `accepted a value that breaks an invariant: ${message}`);
}
