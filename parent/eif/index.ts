/** Enclave Image File (EIF) reading: structure, CRC, the PCRs nitro-cli computes, and the signing certificate. */
export { checkEif, type EifCheckOptions, type EifCheckReport, type EifProblem } from './check.js';
export { Crc32 } from './crc32.js';
export { EIF_ERROR_CODES, EifError, type EifErrorCode } from './errors.js';
export {
  EIF_HEADER_SIZE,
  EIF_LATEST_VERSION,
  EIF_MAGIC,
  EIF_MAX_SECTIONS,
  EIF_SECTION_HEADER_SIZE,
  EIF_SECTION_TYPES,
  type EifHeader,
  type EifSectionType,
} from './format.js';
export { assertCrc, type EifMeasurement, type EifPcrs, measureEif, readEifMeasurement } from './measure.js';
export type { EifMetadata } from './metadata.js';
export { certificatePcr, extendZeroPcr, PcrMeasurement } from './pcr.js';
export type { EifSection } from './read.js';
export { type EifSignature, parseEifSignature, verifyEifSignature } from './signature.js';
export { bytesSource, type EifSource, fileSource } from './source.js';
