import { z } from 'zod';
import { defineFunction } from '../define.js';
import { MAX_SET_PARTIES } from '../support/item-table.js';
import { itemColumns, randomSetSeeds, sortItems } from '../support/set-evaluation.js';
import { intersectColumns } from '../support/set-intersection.js';
import { setInput, setItemsInput, setParameters } from '../support/set-items.js';
import { SET_TABLE_CODE } from '../support/set-table-code.js';

const psiOutput = z.strictObject({
  cardinality: z.number().int().nonnegative(),
  /** Sorted (code units or bytes); absent when the manifest agreed to reveal the cardinality only. */
  members: setItemsInput.optional(),
});

export const psiFunction = defineFunction({
  id: 'psi',
  version: '1.0.0',
  summary:
    'Private set intersection: the items every party holds (duplicates count once), or only how many. ' +
    'Strings compare by UTF-16 code units without normalization, byte arrays by bytes. Members are confirmed on ' +
    'the full items; the cardinality alone of packed sets is counted by secret 128-bit keys (a false match in ' +
    'one evaluation has probability at most 2^-78).',
  parameters: setParameters.extend({ reveal: z.enum(['members', 'cardinality']).default('members') }),
  input: setInput,
  output: psiOutput,
  parties: { min: 1, max: MAX_SET_PARTIES },
  evaluate(params, inputs) {
    const columns = itemColumns(inputs, params.itemKind);
    const collectMembers = params.reveal === 'members';
    const { cardinality, members } = intersectColumns(columns, randomSetSeeds(), collectMembers);
    return collectMembers ? { cardinality, members: sortItems(members, params.itemKind) } : { cardinality };
  },
  views: {
    cardinality: {
      summary: 'the size of the intersection only',
      select: (output: z.output<typeof psiOutput>) => ({ cardinality: output.cardinality }),
    },
  },
  helpers: [sortItems, intersectColumns, ...SET_TABLE_CODE],
});
