import { z } from 'zod';
import { defineFunction } from '../define.js';
import { finiteNumber, numericValues } from '../schemas.js';

const parameters = z.strictObject({
  /** Bin edges, strictly increasing: bin i is [edges[i], edges[i+1]), the last bin also holds its upper edge. */
  edges: z
    .array(finiteNumber)
    .min(2)
    .max(1025)
    .refine(
      (edges) => edges.every((edge, i) => i === 0 || edge > (edges[i - 1] as number)),
      'edges must increase',
    ),
});

const count = z.number().int().nonnegative();

/** Index of the bin holding `value`, -1 below the first edge, `bins` above the last. */
export function binIndex(edges: readonly number[], value: number): number {
  const last = edges.length - 1;
  if (value < (edges[0] as number)) return -1;
  if (value > (edges[last] as number)) return last;
  if (value === edges[last]) return last - 1;
  let low = 0;
  let high = last; // invariant: edges[low] <= value < edges[high]
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (value < (edges[middle] as number)) high = middle;
    else low = middle;
  }
  return low;
}

export const histogramFunction = defineFunction({
  id: 'histogram',
  version: '1.0.0',
  summary: 'Counts of every value per agreed bin, plus how many fell below or above the bins.',
  parameters,
  input: numericValues,
  output: z.strictObject({ counts: z.array(count), below: count, above: count }),
  parties: { min: 1, max: 1024 },
  evaluate(params, inputs) {
    const bins = params.edges.length - 1;
    const counts = new Array<number>(bins).fill(0);
    let below = 0;
    let above = 0;
    for (const values of inputs.values()) {
      for (const value of values) {
        const bin = binIndex(params.edges, value);
        if (bin < 0) below++;
        else if (bin >= bins) above++;
        else counts[bin] = (counts[bin] as number) + 1;
      }
    }
    return { counts, below, above };
  },
  helpers: [binIndex],
});
