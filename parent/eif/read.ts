import { Crc32 } from './crc32.js';
import { EifError } from './errors.js';
import {
  EIF_CRC_OFFSET,
  EIF_HEADER_SIZE,
  EIF_SECTION_HEADER_SIZE,
  type EifHeader,
  type EifSectionType,
  parseEifHeader,
  parseSectionHeader,
} from './format.js';
import { PcrMeasurement } from './pcr.js';
import type { EifSource } from './source.js';

export interface EifSection {
  readonly index: number;
  readonly type: EifSectionType;
  readonly flags: number;
  /** Where the section header starts. */
  readonly offset: number;
  /** Size of the data after the 12-byte section header. */
  readonly size: number;
}

/** Everything one pass over the file learns; PCR8 comes later, from the signature section's certificate. */
export interface EifScan {
  readonly header: EifHeader;
  readonly sections: readonly EifSection[];
  readonly fileSize: number;
  /** CRC-32 of the file without the header's CRC field; compare with `header.crc32` (from version 2 on). */
  readonly computedCrc32: number;
  readonly pcr0: Uint8Array;
  readonly pcr1: Uint8Array;
  readonly pcr2: Uint8Array;
  readonly cmdline: Uint8Array;
  readonly signature: Uint8Array | undefined;
  readonly metadata: Uint8Array | undefined;
}

const CHUNK = 1 << 20;
/** Sections read whole into memory; far above what nitro-cli writes (a few KiB). */
const MAX_SMALL_SECTION = 1 << 20;

function truncated(what: string, offset: number, end: number, fileSize: number): EifError {
  return new EifError(
    'EIF_TRUNCATED',
    `${what} at byte ${offset} runs to byte ${end}, past the end of the file (${fileSize} bytes): the image is truncated`,
    { details: { offset, end, fileSize } },
  );
}

/**
 * One pass over the image, as nitro-cli's reader does it: sections in file order after the header, each fed to
 * the CRC and to the PCRs it belongs to. PCR0 measures kernel, cmdline and every ramdisk; PCR1 kernel, cmdline
 * and the first ramdisk (AWS's boot ramdisk); PCR2 the other ramdisks (the application). Stricter than
 * nitro-cli where it silently ignores damage: trailing bytes and a section table that disagrees with the
 * sections are errors.
 */
export async function scanEif(source: EifSource): Promise<EifScan> {
  const header = parseEifHeader(await source.read(0, Math.min(EIF_HEADER_SIZE, source.size)));
  const crc = new Crc32().update(await source.read(0, EIF_CRC_OFFSET));
  const pcr0 = new PcrMeasurement();
  const pcr1 = new PcrMeasurement();
  const pcr2 = new PcrMeasurement();
  const sections: EifSection[] = [];
  const small: Partial<Record<EifSectionType, Uint8Array>> = {};
  let ramdisks = 0;
  let position = EIF_HEADER_SIZE;
  while (position < source.size) {
    const index = sections.length;
    if (position + EIF_SECTION_HEADER_SIZE > source.size) {
      throw truncated(`section ${index}'s header`, position, position + EIF_SECTION_HEADER_SIZE, source.size);
    }
    const headerBytes = await source.read(position, EIF_SECTION_HEADER_SIZE);
    const sectionHeader = parseSectionHeader(headerBytes, position);
    crc.update(headerBytes);
    const dataStart = position + EIF_SECTION_HEADER_SIZE;
    const end = BigInt(dataStart) + sectionHeader.size;
    if (end > BigInt(source.size)) {
      throw truncated(`section ${index} (${sectionHeader.type})`, position, Number(end), source.size);
    }
    const size = Number(sectionHeader.size);
    const measured =
      sectionHeader.type === 'ramdisk'
        ? ramdisks++ === 0
          ? [pcr0, pcr1]
          : [pcr0, pcr2]
        : sectionHeader.type === 'kernel' || sectionHeader.type === 'cmdline'
          ? [pcr0, pcr1]
          : [];
    const keep = measured.length === 0 || sectionHeader.type === 'cmdline';
    if (keep && size > MAX_SMALL_SECTION) {
      throw new EifError(
        'EIF_MALFORMED',
        `the ${sectionHeader.type} section at byte ${position} is ${size} bytes; at most ${MAX_SMALL_SECTION} are expected`,
        { details: { offset: position, size } },
      );
    }
    const kept: Uint8Array[] = [];
    for (let at = dataStart; at < dataStart + size; at += CHUNK) {
      const chunk = await source.read(at, Math.min(CHUNK, dataStart + size - at));
      crc.update(chunk);
      for (const pcr of measured) pcr.update(chunk);
      if (keep) kept.push(chunk.slice());
    }
    if (keep) {
      if (small[sectionHeader.type] !== undefined) {
        throw new EifError('EIF_MALFORMED', `the image has more than one ${sectionHeader.type} section`, {
          details: { offset: position },
        });
      }
      small[sectionHeader.type] = new Uint8Array(Buffer.concat(kept));
    }
    sections.push({ index, type: sectionHeader.type, flags: sectionHeader.flags, offset: position, size });
    position = dataStart + size;
  }
  checkLayout(header, sections);
  return {
    header,
    sections,
    fileSize: source.size,
    computedCrc32: crc.digest(),
    pcr0: pcr0.digest(),
    pcr1: pcr1.digest(),
    pcr2: pcr2.digest(),
    cmdline: small.cmdline ?? new Uint8Array(0),
    signature: small.signature,
    metadata: small.metadata,
  };
}

/** The header's section table must describe the sections found, and an image needs a kernel, cmdline, ramdisk. */
function checkLayout(header: EifHeader, sections: readonly EifSection[]): void {
  if (sections.length !== header.sectionCount) {
    throw new EifError(
      'EIF_MALFORMED',
      `the EIF header declares ${header.sectionCount} sections but the file holds ${sections.length}`,
      { details: { declared: header.sectionCount, found: sections.length } },
    );
  }
  for (const section of sections) {
    const entry = header.sectionTable[section.index];
    if (entry?.offset !== BigInt(section.offset) || entry.size !== BigInt(section.size)) {
      throw new EifError(
        'EIF_MALFORMED',
        `the EIF header's section table says section ${section.index} is ${entry?.size} bytes at byte ${entry?.offset}, ` +
          `but the file has a ${section.type} section of ${section.size} bytes at byte ${section.offset}`,
        { details: { index: section.index } },
      );
    }
  }
  const count = (type: EifSectionType) => sections.filter((s) => s.type === type).length;
  if (count('kernel') !== 1 || count('cmdline') !== 1 || count('ramdisk') === 0) {
    throw new EifError(
      'EIF_MALFORMED',
      `an image needs one kernel, one cmdline and at least one ramdisk section; this one has ${count('kernel')}, ${count('cmdline')} and ${count('ramdisk')}`,
    );
  }
}
