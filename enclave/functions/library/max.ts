import { z } from 'zod';
import { defineFunction } from '../define.js';
import { finiteNumber, noParameters, numericValues } from '../schemas.js';
import { extremeValue } from './extremes.js';

export const maxFunction = defineFunction({
  id: 'max',
  version: '1.0.0',
  summary: 'Largest value from every party (not who provided it).',
  parameters: noParameters,
  input: numericValues,
  output: z.strictObject({ max: finiteNumber }),
  parties: { min: 1, max: 1024 },
  evaluate(_params, inputs) {
    return { max: extremeValue(inputs, 'max') };
  },
  helpers: [extremeValue],
});
