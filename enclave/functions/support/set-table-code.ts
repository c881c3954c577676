import { bytesEqual } from '../../../common/bytes.js';
import { PACKED_SET_MEASURED_CODE } from '../../../protocol/set-items/index.js';
import type { MeasuredCode } from '../types.js';
import { hashByteArrays, hashPackedItems, hashStrings } from './item-hash.js';
import { ITEM_KEY_CODE } from './item-key.js';
import { ItemTable } from './item-table.js';
import { partitionBitsFor, partitionKeys } from './key-partitions.js';
import { KEYED_COUNT_CODE } from './keyed-set-counts.js';
import { PackedItemTable } from './packed-item-table.js';
import { partiesInOrder } from './party-order.js';
import { itemColumns, randomSetSeeds, uniformColumns } from './set-evaluation.js';
import { exactTableFor } from './set-intersection.js';
import { isPackedSet, isSetItemList, itemsEqual, setInputSize, toSetInput } from './set-items.js';

/**
 * The code every set function runs (input forms, hashing, the two tables, the packed format): listed once so that
 * each set function's measurement covers all of it.
 */
export const SET_TABLE_CODE: readonly MeasuredCode[] = [
  itemColumns,
  partiesInOrder,
  randomSetSeeds,
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
  exactTableFor,
  PackedItemTable,
  hashPackedItems,
  // Counting by 128-bit key: keys, partitions and the per-partition tables.
  ...ITEM_KEY_CODE,
  partitionBitsFor,
  partitionKeys,
  ...KEYED_COUNT_CODE,
  // The whole format module, writer included: it fixes the framing the enclave reads.
  ...PACKED_SET_MEASURED_CODE,
];
