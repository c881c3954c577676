import { z } from 'zod';
import { defineFunction } from '../define.js';
import { finiteNumber, noParameters, numericValues } from '../schemas.js';
import { compensatedSum, poolValues, requireFinite, requireValues } from '../support/numeric.js';
import { partiesInOrder } from '../support/party-order.js';

export const meanFunction = defineFunction({
  id: 'mean',
  version: '1.0.0',
  summary: 'Arithmetic mean of every value from every party.',
  parameters: noParameters,
  input: numericValues,
  output: z.strictObject({ mean: finiteNumber, count: z.number().int().positive() }),
  parties: { min: 1, max: 1024 },
  evaluate(_params, inputs) {
    const values = poolValues(inputs);
    requireValues(values, 'mean');
    // Dividing first keeps sums of huge values finite; the compensated sum keeps it exact enough.
    const scaled = values.map((value) => value / values.length);
    return { mean: requireFinite(compensatedSum(scaled), 'mean'), count: values.length };
  },
  helpers: [poolValues, partiesInOrder, compensatedSum, requireFinite, requireValues],
});
