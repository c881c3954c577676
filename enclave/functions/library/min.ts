import { z } from 'zod';
import { defineFunction } from '../define.js';
import { finiteNumber, noParameters, numericValues } from '../schemas.js';
import { extremeValue } from './extremes.js';

export const minFunction = defineFunction({
  id: 'min',
  version: '1.0.0',
  summary: 'Smallest value from every party (not who provided it).',
  parameters: noParameters,
  input: numericValues,
  output: z.strictObject({ min: finiteNumber }),
  parties: { min: 1, max: 1024 },
  evaluate(_params, inputs) {
    return { min: extremeValue(inputs, 'min') };
  },
  helpers: [extremeValue],
});
