import { bytesToHex } from '../../common/bytes.js';
import { EifError } from './errors.js';
import { type EifMetadata, parseEifMetadata } from './metadata.js';
import { type EifScan, type EifSection, scanEif } from './read.js';
import { type EifSignature, parseEifSignature } from './signature.js';
import { type EifSource, fileSource } from './source.js';

/** The PCRs as `nitro-cli build-enclave` prints them: lower-case hex; PCR8 only for signed images. */
export interface EifPcrs {
  readonly PCR0: string;
  readonly PCR1: string;
  readonly PCR2: string;
  readonly PCR8?: string;
}

export interface EifMeasurement {
  readonly version: number;
  readonly arch: 'x86_64' | 'aarch64';
  readonly flags: number;
  readonly defaultMemoryMiB: number;
  readonly defaultCpus: number;
  readonly fileSize: number;
  readonly sections: readonly EifSection[];
  readonly cmdline: string;
  /** `checked` is false for version 1 images, which have no CRC. */
  readonly crc32: { readonly stored: number; readonly computed: number; readonly checked: boolean };
  readonly pcrs: EifPcrs;
  readonly signed: boolean;
  readonly signature: EifSignature | undefined;
  readonly metadata: EifMetadata | undefined;
}

/** Header, layout, metadata and signature decoded and PCRs computed; the CRC compared but not enforced. */
export async function readEifMeasurement(source: EifSource): Promise<EifMeasurement> {
  const scan: EifScan = await scanEif(source);
  const signature = scan.signature === undefined ? undefined : parseEifSignature(scan.signature);
  const metadata = scan.metadata === undefined ? undefined : parseEifMetadata(scan.metadata);
  const pcrs: EifPcrs = {
    PCR0: bytesToHex(scan.pcr0),
    PCR1: bytesToHex(scan.pcr1),
    PCR2: bytesToHex(scan.pcr2),
    ...(signature === undefined ? {} : { PCR8: bytesToHex(signature.pcr8) }),
  };
  return {
    version: scan.header.version,
    arch: scan.header.arch,
    flags: scan.header.flags,
    defaultMemoryMiB: Number(scan.header.defaultMemory),
    defaultCpus: Number(scan.header.defaultCpus),
    fileSize: scan.fileSize,
    sections: scan.sections,
    cmdline: new TextDecoder().decode(scan.cmdline),
    // Version 1 predates the CRC field's use.
    crc32: { stored: scan.header.crc32, computed: scan.computedCrc32, checked: scan.header.version >= 2 },
    pcrs,
    signed: signature !== undefined,
    signature,
    metadata,
  };
}

export function assertCrc(measurement: EifMeasurement): void {
  const { stored, computed, checked } = measurement.crc32;
  if (checked && stored !== computed) {
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    throw new EifError(
      'EIF_CRC_MISMATCH',
      `the EIF header's CRC-32 is ${hex(stored)} but the file's bytes give ${hex(computed)}: the image is ` +
        'corrupted or was changed after it was built; copy or rebuild it',
      { details: { stored: hex(stored), computed: hex(computed) } },
    );
  }
}

/**
 * The PCRs nitro-cli would report for the image at `path` (or in `source`), after checking its structure and
 * CRC. Throws `EifError` on a truncated or corrupted image.
 */
export async function measureEif(input: string | EifSource): Promise<EifMeasurement> {
  const source = typeof input === 'string' ? await fileSource(input) : input;
  try {
    const measurement = await readEifMeasurement(source);
    assertCrc(measurement);
    return measurement;
  } finally {
    if (typeof input === 'string') await source.close();
  }
}
