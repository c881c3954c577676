/**
 * The Enclave Image File layout, as defined by aws-nitro-enclaves-image-format (src/defs/mod.rs): a fixed
 * 548-byte header, then sections, each a 12-byte section header followed by its data. All integers big-endian.
 *
 * header: magic ".eif" | version u16 | flags u16 | default_mem u64 | default_cpus u64 | reserved u16 |
 *         num_sections u16 | section_offsets u64[32] | section_sizes u64[32] | unused u32 | eif_crc32 u32
 * section header: type u16 | flags u16 | size u64
 *
 * `section_offsets[i]` is where section i's *header* starts; `section_sizes[i]` is the size of its data.
 */
import { EifError } from './errors.js';

export const EIF_MAGIC = Uint8Array.of(0x2e, 0x65, 0x69, 0x66);
export const EIF_MAX_SECTIONS = 32;
export const EIF_HEADER_SIZE = 548;
export const EIF_SECTION_HEADER_SIZE = 12;
/** Offset of `eif_crc32`, the header's last field: the CRC covers every byte of the file but these four. */
export const EIF_CRC_OFFSET = EIF_HEADER_SIZE - 4;
/** The newest version this parser knows (V2 added the CRC, V3 the signature, V4 the metadata section). */
export const EIF_LATEST_VERSION = 4;
/** Header flag bit: the image is for aarch64 (clear: x86_64). */
export const EIF_FLAG_ARM64 = 0x1;

export const EIF_SECTION_TYPES = ['kernel', 'cmdline', 'ramdisk', 'signature', 'metadata'] as const;
export type EifSectionType = (typeof EIF_SECTION_TYPES)[number];

export interface EifHeader {
  readonly version: number;
  readonly flags: number;
  readonly arch: 'x86_64' | 'aarch64';
  /** Default enclave memory and vCPUs the image was built with (nitro-cli writes 0: none). */
  readonly defaultMemory: bigint;
  readonly defaultCpus: bigint;
  readonly sectionCount: number;
  /** The first `sectionCount` entries of the header's section table. */
  readonly sectionTable: readonly { readonly offset: bigint; readonly size: bigint }[];
  readonly crc32: number;
}

export interface EifSectionHeader {
  readonly type: EifSectionType;
  readonly flags: number;
  readonly size: bigint;
}

export function parseEifHeader(bytes: Uint8Array): EifHeader {
  if (bytes.length < EIF_MAGIC.length || !EIF_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new EifError('EIF_BAD_MAGIC', 'not an enclave image file: it does not start with ".eif"');
  }
  if (bytes.length < EIF_HEADER_SIZE) {
    throw new EifError(
      'EIF_TRUNCATED',
      `the file ends inside the ${EIF_HEADER_SIZE}-byte EIF header (${bytes.length} bytes)`,
      { details: { offset: bytes.length } },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, EIF_HEADER_SIZE);
  const version = view.getUint16(4);
  const flags = view.getUint16(6);
  const sectionCount = view.getUint16(26);
  if (version === 0) throw new EifError('EIF_MALFORMED', 'the EIF header says version 0');
  if (sectionCount > EIF_MAX_SECTIONS) {
    throw new EifError(
      'EIF_MALFORMED',
      `the EIF header declares ${sectionCount} sections; the format allows ${EIF_MAX_SECTIONS}`,
    );
  }
  const sectionTable = Array.from({ length: sectionCount }, (_, i) => ({
    offset: view.getBigUint64(28 + 8 * i),
    size: view.getBigUint64(28 + 8 * EIF_MAX_SECTIONS + 8 * i),
  }));
  return {
    version,
    flags,
    arch: flags & EIF_FLAG_ARM64 ? 'aarch64' : 'x86_64',
    defaultMemory: view.getBigUint64(8),
    defaultCpus: view.getBigUint64(16),
    sectionCount,
    sectionTable,
    crc32: view.getUint32(EIF_CRC_OFFSET),
  };
}

/** Section type numbers, in the order of the format's enum (0 is "invalid"). */
export function sectionTypeOf(code: number): EifSectionType | undefined {
  return code >= 1 ? EIF_SECTION_TYPES[code - 1] : undefined;
}

export function parseSectionHeader(bytes: Uint8Array, offset: number): EifSectionHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, EIF_SECTION_HEADER_SIZE);
  const code = view.getUint16(0);
  const type = sectionTypeOf(code);
  if (type === undefined) {
    throw new EifError(
      'EIF_UNKNOWN_SECTION',
      `the section at byte ${offset} has type ${code}; known types are 1..5 (kernel, cmdline, ramdisk, signature, metadata)`,
      { details: { offset, type: code } },
    );
  }
  return { type, flags: view.getUint16(2), size: view.getBigUint64(4) };
}
