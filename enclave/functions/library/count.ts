import { z } from 'zod';
import { defineFunction } from '../define.js';
import { noParameters, numericValues } from '../schemas.js';

export const countFunction = defineFunction({
  id: 'count',
  version: '1.0.0',
  summary: 'How many values all parties provided together.',
  parameters: noParameters,
  input: numericValues,
  output: z.strictObject({ count: z.number().int().nonnegative() }),
  parties: { min: 1, max: 1024 },
  evaluate(_params, inputs) {
    let count = 0;
    for (const values of inputs.values()) count += values.length;
    return { count };
  },
});
