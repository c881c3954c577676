import { extendPcrValue, PCR_LENGTH } from './measurements.js';
import { NsmRefusal } from './refusal.js';

/** As on Nitro: 32 PCRs, of which PCR0..15 are set and locked at boot and PCR16..31 are the app's own. */
export const SIMULATED_MAX_PCRS = 32;
export const BOOT_LOCKED_PCRS = 16;

/**
 * The simulated NSM's PCR bank. Semantics follow the NSM (aws-nitro-enclaves-nsm-api's nsm-check test):
 * extending a locked PCR fails (ReadOnlyIndex); PCR0..15 cannot be locked again (ReadOnlyIndex); LockPCRs locks
 * [0, range) and accepts already-locked PCRs; an index beyond the bank fails (InvalidIndex).
 */
export class PcrBank {
  readonly #values: Uint8Array[];
  readonly #locked: boolean[];

  /** `boot` gives PCR0..15 their boot values; unset ones are zero. */
  constructor(boot: ReadonlyMap<number, Uint8Array>) {
    this.#values = Array.from({ length: SIMULATED_MAX_PCRS }, (_, i) => {
      const value = i < BOOT_LOCKED_PCRS ? boot.get(i) : undefined;
      if (value !== undefined && value.byteLength !== PCR_LENGTH) {
        throw new RangeError(`PCR${i} must be ${PCR_LENGTH} bytes`);
      }
      return new Uint8Array(value ?? new Uint8Array(PCR_LENGTH));
    });
    this.#locked = Array.from({ length: SIMULATED_MAX_PCRS }, (_, i) => i < BOOT_LOCKED_PCRS);
  }

  #check(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= SIMULATED_MAX_PCRS) {
      throw new NsmRefusal('InvalidIndex', `PCR${index} does not exist`);
    }
    return index;
  }

  describe(index: number): { readonly locked: boolean; readonly value: Uint8Array } {
    const i = this.#check(index);
    return { locked: this.#locked[i] === true, value: new Uint8Array(this.#values[i] as Uint8Array) };
  }

  extend(index: number, data: Uint8Array): Uint8Array {
    const i = this.#check(index);
    if (this.#locked[i]) throw new NsmRefusal('ReadOnlyIndex', `PCR${i} is locked`);
    const next = extendPcrValue(this.#values[i] as Uint8Array, data);
    this.#values[i] = next;
    return new Uint8Array(next);
  }

  lock(index: number): void {
    const i = this.#check(index);
    if (i < BOOT_LOCKED_PCRS) throw new NsmRefusal('ReadOnlyIndex', `PCR${i} is locked from boot`);
    this.#locked[i] = true;
  }

  lockRange(range: number): void {
    if (!Number.isInteger(range) || range < 0 || range > SIMULATED_MAX_PCRS) {
      throw new NsmRefusal(
        'InvalidIndex',
        `cannot lock PCR0..${range - 1}: the bank has ${SIMULATED_MAX_PCRS}`,
      );
    }
    for (let i = 0; i < range; i++) this.#locked[i] = true;
  }

  lockedIndexes(): number[] {
    return this.#locked.flatMap((locked, i) => (locked ? [i] : []));
  }

  /** Every locked PCR: what an attestation document carries ("all locked PCRs", PCR0..15 unless more were locked). */
  lockedValues(): Map<number, Uint8Array> {
    return new Map(this.lockedIndexes().map((i) => [i, new Uint8Array(this.#values[i] as Uint8Array)]));
  }
}
