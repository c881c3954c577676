import { z } from 'zod';
import { hexToBytes } from '../../common/bytes.js';
import type { PayloadEncoding } from './document.js';
import { NsmSimulatorError } from './errors.js';
import { PCR_LENGTH } from './measurements.js';

/** A PCR value: 48 bytes, or their hex. */
export type PcrValueInput = Uint8Array | string;

/** The PCRs the simulated hypervisor sets besides the image measurements. */
export type ConfigurablePcr = 3 | 4 | 8;

export interface SimulatedNsmOptions {
  /** Where the CA hierarchy lives (created 0700 if missing); the same directory gives the same root. */
  readonly stateDir: string;
  /** The enclave application the simulated enclave "runs": PCR0 and PCR2 measure it. Default: empty. */
  readonly bundle?: Uint8Array;
  /**
   * PCR3 (IAM role), PCR4 (parent instance) and PCR8 (EIF signing certificate). Default: PCR4 measures the
   * simulated instance id, PCR3 and PCR8 are zero (no role, unsigned image).
   */
  readonly pcrs?: Readonly<Partial<Record<ConfigurablePcr, PcrValueInput>>>;
  /** A debug-mode enclave: PCR0..2 are zero, as Nitro reports for `--debug-mode`. */
  readonly debug?: boolean;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number;
  /** AWS region in the CA names; used only when the state directory has no CA yet. Default `us-east-1`. */
  readonly region?: string;
  /** Payload map length encoding: `definite` as older NSM firmware (default), `indefinite` as newer. */
  readonly payloadEncoding?: PayloadEncoding;
}

export interface ResolvedOptions {
  readonly stateDir: string;
  readonly bundle: Uint8Array;
  readonly pcrs: ReadonlyMap<ConfigurablePcr, Uint8Array>;
  readonly debug: boolean;
  readonly now: () => number;
  readonly region: string;
  readonly payloadEncoding: PayloadEncoding;
}

const pcrValue = z.union([
  z
    .instanceof(Uint8Array)
    .refine((b) => b.byteLength === PCR_LENGTH, { message: `must be ${PCR_LENGTH} bytes` }),
  z
    .string()
    .regex(/^(?:0x)?[0-9a-fA-F]{96}$/, { message: `must be ${PCR_LENGTH} bytes of hex` })
    .transform((hex) => hexToBytes(hex)),
]);

const schema = z.strictObject({
  stateDir: z.string().min(1),
  bundle: z.instanceof(Uint8Array).optional(),
  pcrs: z.strictObject({ 3: pcrValue.optional(), 4: pcrValue.optional(), 8: pcrValue.optional() }).optional(),
  debug: z.boolean().optional(),
  clock: z.custom<() => number>((v) => typeof v === 'function', { message: 'must be a function' }).optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, { message: 'must look like an AWS region, e.g. us-east-1' })
    .optional(),
  payloadEncoding: z.enum(['definite', 'indefinite']).optional(),
});

function invalidOptions(message: string): NsmSimulatorError {
  return new NsmSimulatorError('NSM_SIMULATOR_OPTIONS_INVALID', `invalid simulated NSM options: ${message}`);
}

/** A clock that only ever yields whole, plausible epoch milliseconds. */
function checkedClock(clock: () => number): () => number {
  return () => {
    const now = clock();
    if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
      throw invalidOptions(`clock() returned ${String(now)}, not epoch milliseconds`);
    }
    return Math.floor(now);
  };
}

export function resolveOptions(options: SimulatedNsmOptions): ResolvedOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidOptions(`${issue?.path.join('.') || 'options'}: ${issue?.message ?? 'unexpected shape'}`);
  }
  const { data } = parsed;
  const pcrs = new Map<ConfigurablePcr, Uint8Array>();
  for (const index of [3, 4, 8] as const) {
    const value = data.pcrs?.[index];
    if (value !== undefined) pcrs.set(index, new Uint8Array(value));
  }
  return {
    stateDir: data.stateDir,
    bundle: data.bundle ?? new Uint8Array(0),
    pcrs,
    debug: data.debug ?? false,
    now: checkedClock(data.clock ?? Date.now),
    region: data.region ?? 'us-east-1',
    payloadEncoding: data.payloadEncoding ?? 'definite',
  };
}
