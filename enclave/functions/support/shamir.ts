import { z } from 'zod';
import { FunctionError } from '../errors.js';
import type { MeasuredCode, PartyInputs } from '../types.js';
import { partiesInOrder } from './party-order.js';
import { FIELD_PRIME, interpolateAt, mod, modInverse, modPow, type Share } from './prime-field.js';

/** A field element as a bigint or a decimal string (CBOR and JSON carriers differ). */
const fieldElement = z
  .union([z.bigint(), z.string().regex(/^(?:0|[1-9][0-9]{0,77})$/)])
  .transform((value) => BigInt(value))
  .refine((value) => value >= 0n && value < FIELD_PRIME, 'must be a field element below 2^255 - 19');

export const shareInput = z.strictObject({
  x: fieldElement.refine((x) => x !== 0n, 'x = 0 is the secret itself'),
  y: fieldElement,
});

export const thresholdParameter = z.number().int().min(1).max(255);

/**
 * The secret f(0) from the first `threshold` shares in party-id order. Every further share must lie on the same
 * polynomial, so a party that sends a wrong share is caught instead of silently changing the key.
 */
export function reconstructSecret(inputs: PartyInputs<Share>, threshold: number): bigint {
  const shares = partiesInOrder(inputs);
  if (shares.length < threshold) {
    throw new FunctionError(
      'FUNCTION_PARTIES_INVALID',
      `${threshold} shares are needed, got ${shares.length}`,
      {
        details: { threshold, count: shares.length },
      },
    );
  }
  const seen = new Set<bigint>();
  for (const [partyId, share] of shares) {
    if (seen.has(share.x)) {
      throw new FunctionError(
        'FUNCTION_INPUT_INVALID',
        `the share from ${partyId} repeats another share's x`,
        {
          details: { partyId },
        },
      );
    }
    seen.add(share.x);
  }
  const basis = shares.slice(0, threshold).map(([, share]) => share);
  for (const [partyId, share] of shares.slice(threshold)) {
    if (interpolateAt(basis, share.x) !== share.y) {
      throw new FunctionError(
        'FUNCTION_INPUT_INVALID',
        `the share from ${partyId} is inconsistent with the others`,
        {
          details: { partyId },
        },
      );
    }
  }
  return interpolateAt(basis, 0n);
}

/** The secret as 32 big-endian bytes: the key material. Callers zero it when done. */
export function secretBytes(secret: bigint): Buffer {
  return Buffer.from(secret.toString(16).padStart(64, '0'), 'hex');
}

/** The code every Shamir function runs to rebuild its key: listed once so that each measurement covers all of it. */
export const SHAMIR_RECONSTRUCTION_CODE: readonly MeasuredCode[] = [
  reconstructSecret,
  secretBytes,
  partiesInOrder,
  interpolateAt,
  mod,
  modInverse,
  modPow,
];
