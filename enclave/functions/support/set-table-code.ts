import { bytesEqual } from '../../../common/bytes.js';
import { PACKED_SET_MEASURED_CODE } from '../../../protocol/set-items/index.js';
import type { MeasuredCode } from '../types.js';
import { hashByteArrays, hashPackedItems, hashStrings } from './item-hash.js';
import { ItemTable } from './item-table.js';
import { PackedItemTable } from './packed-item-table.js';
import { partiesInOrder } from './party-order.js';
import { itemColumns, randomHashSeed, uniformColumns } from './set-evaluation.js';
import { isPackedSet, isSetItemList, itemsEqual, setInputSize, toSetInput } from './set-items.js';

/**
 * The code every set function runs (input forms, hashing, the two tables, the packed format): listed once so that
 * each set function's measurement covers all of it.
 */
export const SET_TABLE_CODE: readonly MeasuredCode[] = [
  itemColumns,
  partiesInOrder,
  randomHashSeed,
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
];
