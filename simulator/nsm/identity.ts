/** Identifiers shaped like Nitro's: EC2 instance ids, enclave ids and the NSM module id built from both. */
import { randomBytes } from 'node:crypto';

export const MODULE_ID_PATTERN = /^i-[0-9a-f]{17}-enc[0-9a-f]{16}$/;

/** `i-0` and 16 hex digits, like current EC2 instance ids. */
export function newInstanceId(): string {
  return `i-0${randomBytes(8).toString('hex')}`;
}

/**
 * 16 hex digits. Real enclave ids start with the enclave's start time in milliseconds (48 bits) followed by 16
 * random bits; so do these.
 */
export function newEnclaveId(startedAtMs: number): string {
  const time = BigInt(Math.max(0, Math.floor(startedAtMs))) & 0xffff_ffff_ffffn;
  return time.toString(16).padStart(12, '0') + randomBytes(2).toString('hex');
}

export function moduleIdOf(instanceId: string, enclaveId: string): string {
  return `${instanceId}-enc${enclaveId}`;
}
