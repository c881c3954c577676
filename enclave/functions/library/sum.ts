import { z } from 'zod';
import { defineFunction } from '../define.js';
import { finiteNumber, noParameters, numericValues } from '../schemas.js';
import { compensatedSum, poolValues, requireFinite } from '../support/numeric.js';
import { partiesInOrder } from '../support/party-order.js';

export const sumFunction = defineFunction({
  id: 'sum',
  version: '1.0.0',
  summary: 'Sum of every value from every party (compensated summation); 0 for no values.',
  parameters: noParameters,
  input: numericValues,
  output: z.strictObject({ sum: finiteNumber, count: z.number().int().nonnegative() }),
  parties: { min: 1, max: 1024 },
  evaluate(_params, inputs) {
    const values = poolValues(inputs);
    return { sum: requireFinite(compensatedSum(values), 'sum'), count: values.length };
  },
  helpers: [poolValues, partiesInOrder, compensatedSum, requireFinite],
});
