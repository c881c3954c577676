import { createHash, type Hash } from 'node:crypto';

/** SHA-384's output size: a PCR's size, and the zeros a PCR starts from. */
export const PCR_BYTES = 48;

/**
 * A PCR as nitro-cli computes it at build time (aws-nitro-enclaves-image-format, `EifHasher` without cache and
 * `tpm_extend_finalize_reset`): one SHA-384 over the concatenated measured bytes, then extended once into a
 * zeroed register: PCR = SHA-384(0^48 || SHA-384(bytes)).
 */
export class PcrMeasurement {
  private readonly hash: Hash = createHash('sha384');

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }

  digest(): Uint8Array {
    return extendZeroPcr(new Uint8Array(this.hash.digest()));
  }
}

/** The TPM-style extend of a register holding zeros with `measurement`. */
export function extendZeroPcr(measurement: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha384').update(new Uint8Array(PCR_BYTES)).update(measurement).digest());
}

/** PCR8: the signing certificate (DER) measured the same way. */
export function certificatePcr(certificateDer: Uint8Array): Uint8Array {
  return extendZeroPcr(new Uint8Array(createHash('sha384').update(certificateDer).digest()));
}
