import { NitroMpcError } from '../../common/errors.js';
import { EifError, type EifErrorCode } from './errors.js';
import { EIF_LATEST_VERSION } from './format.js';
import { assertCrc, type EifMeasurement, readEifMeasurement } from './measure.js';
import { checkCertificateValidity, verifyEifSignature } from './signature.js';
import { type EifSource, fileSource } from './source.js';

export interface EifProblem {
  readonly code: EifErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface EifCheckReport {
  /** True when nothing would stop `nitro-cli run-enclave` that the file itself can tell. */
  readonly ok: boolean;
  /** Undefined when the structure is too broken to measure. */
  readonly measurement: EifMeasurement | undefined;
  readonly problems: readonly EifProblem[];
  readonly warnings: readonly string[];
}

export interface EifCheckOptions {
  /** When the image is to run (epoch ms); the signing certificate must be valid then. Default: now. */
  readonly at?: number;
  /** Warn when the signing certificate expires within this many days. Default 30. */
  readonly warnDays?: number;
}

const DAY_MS = 86_400_000;

function problemOf(error: unknown): EifProblem {
  if (!(error instanceof EifError)) throw error;
  return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
}

/** Runs `step`, recording an `EifError` as a problem; anything else is a bug and propagates. */
async function collect(problems: EifProblem[], step: () => void | Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    problems.push(problemOf(error));
  }
}

/**
 * The pre-launch check: structure, CRC, metadata, and for signed images the PCR0 signature and the signing
 * certificate's validity at `at` (an expired certificate makes `nitro-cli run-enclave` fail with an opaque error).
 * Reports every problem it finds instead of stopping at the first, except for structural damage.
 */
export async function checkEif(
  input: string | EifSource,
  options: EifCheckOptions = {},
): Promise<EifCheckReport> {
  const at = options.at ?? Date.now();
  const source = typeof input === 'string' ? await fileSource(input) : input;
  const problems: EifProblem[] = [];
  const warnings: string[] = [];
  let measurement: EifMeasurement | undefined;
  try {
    measurement = await readEifMeasurement(source);
  } catch (error) {
    if (!(error instanceof NitroMpcError)) throw error;
    return { ok: false, measurement: undefined, problems: [problemOf(error)], warnings };
  } finally {
    if (typeof input === 'string') await source.close();
  }
  const measured = measurement;
  await collect(problems, () => assertCrc(measured));
  if (measured.version > EIF_LATEST_VERSION) {
    warnings.push(`EIF version ${measured.version} is newer than this checker knows (${EIF_LATEST_VERSION})`);
  }
  const signature = measured.signature;
  if (signature === undefined) {
    warnings.push(
      'the image is not signed: PCR8 is not set, so key policies cannot pin a signing certificate',
    );
  } else {
    await collect(problems, () => verifyEifSignature(signature, Buffer.from(measured.pcrs.PCR0, 'hex')));
    await collect(problems, () => checkCertificateValidity(signature.certificate, at));
    const daysLeft = (signature.certificate.notAfter - at) / DAY_MS;
    if (daysLeft >= 0 && daysLeft < (options.warnDays ?? 30)) {
      warnings.push(
        `the signing certificate expires in ${Math.floor(daysLeft)} days (${new Date(signature.certificate.notAfter).toISOString()}); after that nitro-cli run-enclave refuses the image`,
      );
    }
  }
  return { ok: problems.length === 0, measurement, problems, warnings };
}
