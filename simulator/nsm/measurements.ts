/**
 * How the simulator measures what an enclave runs, modelled on Nitro's boot measurements (each PCR starts at 48
 * zero bytes and is extended once, extend(pcr, x) = SHA-384(pcr || x)):
 *
 *   boot  = a fixed stand-in for the Nitro kernel, init and boot ramdisk (`SIMULATED_BOOT_IMAGE`)
 *   PCR0  = extend(0, SHA-384(boot || bundle))    the whole image, as Nitro's PCR0 measures the whole EIF
 *   PCR1  = extend(0, SHA-384(boot))              kernel and bootstrap: the same for every enclave
 *   PCR2  = extend(0, SHA-384(bundle))            the application alone
 *   PCR4  = extend(0, SHA-384(instance id))       the parent instance, unless configured
 *
 * So changing the bundle changes PCR0 and PCR2 but not PCR1, as rebuilding an enclave image does on Nitro. The
 * values are not those of a real EIF holding the same bundle: a policy for the simulator is computed here.
 */
import { createHash } from 'node:crypto';

export const PCR_LENGTH = 48;

export const SIMULATED_BOOT_IMAGE: Uint8Array = new TextEncoder().encode(
  'nitro-mpc simulator: stand-in for the Nitro Enclaves kernel, init and boot ramdisk, v1',
);

function sha384(...parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash('sha384');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/** The NSM's extend operation: SHA-384(current || data). */
export function extendPcrValue(current: Uint8Array, data: Uint8Array): Uint8Array {
  return sha384(current, data);
}

function measureOnce(data: Uint8Array): Uint8Array {
  return extendPcrValue(new Uint8Array(PCR_LENGTH), sha384(data));
}

export interface EnclaveMeasurements {
  readonly pcr0: Uint8Array;
  readonly pcr1: Uint8Array;
  readonly pcr2: Uint8Array;
}

/** PCR0..2 of a (non-debug) simulated enclave running `bundle`: what a party's policy should expect. */
export function measureEnclaveBundle(bundle: Uint8Array): EnclaveMeasurements {
  return {
    pcr0: measureOnce(new Uint8Array(Buffer.concat([SIMULATED_BOOT_IMAGE, bundle]))),
    pcr1: measureOnce(SIMULATED_BOOT_IMAGE),
    pcr2: measureOnce(bundle),
  };
}

/** PCR4 of an enclave on the simulated parent instance `instanceId` (e.g. `i-0123456789abcdef0`). */
export function measureInstanceId(instanceId: string): Uint8Array {
  return measureOnce(new TextEncoder().encode(instanceId));
}
