import { z } from 'zod';
import { defineFunction } from '../define.js';
import { FunctionError } from '../errors.js';
import { MAX_SET_PARTIES } from '../support/item-table.js';
import { itemColumns, randomSetSeeds } from '../support/set-evaluation.js';
import { overlapColumns } from '../support/set-intersection.js';
import { setInput, setInputSize, setParameters } from '../support/set-items.js';
import { SET_TABLE_CODE } from '../support/set-table-code.js';

/**
 * Every party's items are held at once here, so the total is capped at 2^23 items: 128 MiB of keys for packed sets
 * (plus one party's scratch), or a 256 MiB table for lists.
 */
export const MAX_OVERLAP_TOTAL_ITEMS = 1 << 23;

const count = z.number().int().nonnegative();
const overlapOutput = z.strictObject({
  unionCardinality: count,
  intersectionCardinality: count,
  /** Intersection over union (Jaccard index); null when no party has any item. */
  overlapRatio: z.number().min(0).max(1).nullable(),
});

export const setOverlapFunction = defineFunction({
  id: 'set-overlap',
  version: '1.0.0',
  summary:
    'Sizes of the union and the intersection of the parties sets, and their ratio; never the items. Packed sets ' +
    'are compared by secret 128-bit keys (a false match in one evaluation has probability at most 2^-78).',
  parameters: setParameters,
  input: setInput,
  output: overlapOutput,
  parties: { min: 1, max: MAX_SET_PARTIES },
  evaluate(params, inputs) {
    const columns = itemColumns(inputs, params.itemKind);
    const total = columns.reduce((sum, column) => sum + setInputSize(column), 0);
    if (total > MAX_OVERLAP_TOTAL_ITEMS) {
      throw new FunctionError(
        'FUNCTION_INPUT_INVALID',
        `set-overlap takes at most ${MAX_OVERLAP_TOTAL_ITEMS} items`,
        {
          details: { total, max: MAX_OVERLAP_TOTAL_ITEMS },
        },
      );
    }
    const { union: unionCardinality, intersection: intersectionCardinality } = overlapColumns(
      columns,
      randomSetSeeds(),
    );
    const overlapRatio = unionCardinality === 0 ? null : intersectionCardinality / unionCardinality;
    return { unionCardinality, intersectionCardinality, overlapRatio };
  },
  views: {
    'union-cardinality': {
      summary: 'the size of the union only',
      select: (output: z.output<typeof overlapOutput>) => ({ unionCardinality: output.unionCardinality }),
    },
  },
  helpers: [overlapColumns, ...SET_TABLE_CODE],
});
