import { z } from 'zod';
import { defineFunction } from '../define.js';
import { finiteNumber, noParameters, numericValues } from '../schemas.js';
import { poolValues, requireValues, sortedPool, sortedQuantile } from '../support/numeric.js';
import { partiesInOrder } from '../support/party-order.js';

export const medianFunction = defineFunction({
  id: 'median',
  version: '1.0.0',
  summary: 'Median of every value from every party; the mean of the two middle values for an even count.',
  parameters: noParameters,
  input: numericValues,
  output: z.strictObject({ median: finiteNumber, count: z.number().int().positive() }),
  parties: { min: 1, max: 1024 },
  evaluate(_params, inputs) {
    const sorted = sortedPool(inputs);
    requireValues(sorted, 'median');
    return { median: sortedQuantile(sorted, 0.5), count: sorted.length };
  },
  helpers: [sortedPool, poolValues, partiesInOrder, requireValues, sortedQuantile],
});
