import { z } from 'zod';
import { defineFunction } from '../define.js';
import { finiteNumber, numericValues } from '../schemas.js';
import { poolValues, requireValues, sortedPool, sortedQuantile } from '../support/numeric.js';
import { partiesInOrder } from '../support/party-order.js';

export const quantilesFunction = defineFunction({
  id: 'quantiles',
  version: '1.0.0',
  summary:
    'Quantiles at the agreed probabilities, linear interpolation between closest ranks (numpy default).',
  parameters: z.strictObject({ probabilities: z.array(z.number().min(0).max(1)).min(1).max(101) }),
  input: numericValues,
  output: z.strictObject({ quantiles: z.array(finiteNumber), count: z.number().int().positive() }),
  parties: { min: 1, max: 1024 },
  evaluate(params, inputs) {
    const sorted = sortedPool(inputs);
    requireValues(sorted, 'quantiles');
    return { quantiles: params.probabilities.map((p) => sortedQuantile(sorted, p)), count: sorted.length };
  },
  helpers: [sortedPool, poolValues, partiesInOrder, requireValues, sortedQuantile],
});
