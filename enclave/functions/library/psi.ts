import { z } from 'zod';
import { bytesEqual } from '../../../common/bytes.js';
import { PACKED_SET_MEASURED_CODE } from '../../../protocol/set-items/index.js';
import { defineFunction } from '../define.js';
import { hashByteArrays, hashPackedItems, hashStrings } from '../support/item-hash.js';
import { ItemTable, MAX_SET_PARTIES } from '../support/item-table.js';
import { PackedItemTable } from '../support/packed-item-table.js';
import { partiesInOrder } from '../support/party-order.js';
import { itemColumns, randomHashSeed, sortItems, uniformColumns } from '../support/set-evaluation.js';
import { intersectColumns } from '../support/set-intersection.js';
import {
  isPackedSet,
  isSetItemList,
  itemsEqual,
  setInput,
  setInputSize,
  setItemsInput,
  setParameters,
  toSetInput,
} from '../support/set-items.js';

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
    'Strings compare by UTF-16 code units without normalization, byte arrays by bytes.',
  parameters: setParameters.extend({ reveal: z.enum(['members', 'cardinality']).default('members') }),
  input: setInput,
  output: psiOutput,
  parties: { min: 1, max: MAX_SET_PARTIES },
  evaluate(params, inputs) {
    const columns = itemColumns(inputs, params.itemKind);
    const collectMembers = params.reveal === 'members';
    const { cardinality, members } = intersectColumns(columns, randomHashSeed(), collectMembers);
    return collectMembers ? { cardinality, members: sortItems(members, params.itemKind) } : { cardinality };
  },
  views: {
    cardinality: {
      summary: 'the size of the intersection only',
      select: (output: z.output<typeof psiOutput>) => ({ cardinality: output.cardinality }),
    },
  },
  helpers: [
    itemColumns,
    partiesInOrder,
    randomHashSeed,
    sortItems,
    intersectColumns,
    ItemTable,
    hashStrings,
    hashByteArrays,
    itemsEqual,
    bytesEqual,
    isSetItemList,
    toSetInput,
    isPackedSet,
    setInputSize,
    uniformColumns,
    PackedItemTable,
    hashPackedItems,
    // The whole format module, writer included: it fixes the framing the enclave reads.
    ...PACKED_SET_MEASURED_CODE,
  ],
});
