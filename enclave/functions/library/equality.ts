import { z } from 'zod';
import { bytesEqual } from '../../../common/bytes.js';
import { defineFunction } from '../define.js';
import { bytesValue, MAX_BLOB_BYTES, noParameters } from '../schemas.js';

/** Strings equal strings with the same UTF-16 code units (no Unicode normalization); bytes equal equal bytes. */
export function sameValue(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return bytesEqual(a, b);
}

export const equalityFunction = defineFunction({
  id: 'equality',
  version: '1.0.0',
  summary: 'Whether every party provided the same value; nothing else about the values.',
  parameters: noParameters,
  input: z.union([z.string().max(MAX_BLOB_BYTES), bytesValue(MAX_BLOB_BYTES)]),
  output: z.strictObject({ equal: z.boolean() }),
  parties: { min: 2, max: 1024 },
  evaluate(_params, inputs) {
    const [first, ...rest] = [...inputs.values()];
    return { equal: first !== undefined && rest.every((value) => sameValue(first, value)) };
  },
  helpers: [sameValue, bytesEqual],
});
