import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineFunction } from '../define.js';
import { FunctionError } from '../errors.js';
import { bytesValue, MAX_BLOB_BYTES } from '../schemas.js';
import { compareCodeUnits } from '../support/party-order.js';
import type { PartyId } from '../types.js';

/** The agreed order if given (it must name exactly the providing parties), else party ids in code-unit order. */
export function concatenationOrder(
  present: readonly PartyId[],
  agreed: readonly PartyId[] | undefined,
): PartyId[] {
  if (agreed === undefined) return [...present].sort(compareCodeUnits);
  const matches = agreed.length === present.length && agreed.every((partyId) => present.includes(partyId));
  if (!matches) {
    throw new FunctionError(
      'FUNCTION_PARTIES_INVALID',
      'the providing parties differ from the agreed order',
      {
        details: { agreed, present },
      },
    );
  }
  return [...agreed];
}

export const sha256ConcatFunction = defineFunction({
  id: 'sha256-concat',
  version: '1.0.0',
  summary: 'SHA-256 of every input concatenated (strings as UTF-8, no separators) in the agreed party order.',
  parameters: z.strictObject({
    order: z
      .array(z.string())
      .max(1024)
      .refine((order) => new Set(order).size === order.length, 'order must not repeat a party')
      .optional(),
  }),
  input: z.union([z.string().max(MAX_BLOB_BYTES), bytesValue(MAX_BLOB_BYTES)]),
  output: z.strictObject({ digest: z.string().regex(/^[0-9a-f]{64}$/), order: z.array(z.string()) }),
  parties: { min: 1, max: 1024 },
  evaluate(params, inputs) {
    const order = concatenationOrder([...inputs.keys()], params.order);
    const hash = createHash('sha256');
    for (const partyId of order) {
      const input = inputs.get(partyId);
      if (input !== undefined) hash.update(input);
    }
    return { digest: hash.digest('hex'), order };
  },
  helpers: [concatenationOrder, compareCodeUnits],
});
