import { z } from 'zod';

/**
 * Numbers: statistics take finite IEEE-754 doubles (zod's number refuses NaN and ±Infinity); money (auction bids)
 * takes non-negative integers of minor units as decimal strings, compared exactly as bigints.
 */
export const MAX_VALUES_PER_PARTY = 1 << 20;
export const MAX_TEXT_LENGTH = 4096;
export const MAX_BLOB_BYTES = 16 << 20;

export const finiteNumber = z.number();

/** One value or a list of values; evaluate always sees a list. */
export const numericValues = z.union([
  finiteNumber.transform((value) => [value]),
  z.array(finiteNumber).max(MAX_VALUES_PER_PARTY),
]);

/** Minor units (cents, satoshi) as a decimal string without sign or leading zeros, up to 10^36. */
export const moneyAmount = z
  .string()
  .regex(/^(?:0|[1-9][0-9]{0,35})$/, 'expected a non-negative integer of minor units as a decimal string');

export const bytesValue = (maxBytes: number) =>
  z.instanceof(Uint8Array).refine((bytes) => bytes.byteLength <= maxBytes, `at most ${maxBytes} bytes`);

export const hexBytes = (maxBytes: number) =>
  z
    .string()
    .max(maxBytes * 2)
    .regex(/^(?:[0-9a-f]{2})*$/, 'expected lower-case hexadecimal bytes');

export const noParameters = z.strictObject({});
