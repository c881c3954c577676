import type { PackedSetItems } from '../../../protocol/set-items/index.js';
import { ITEM_KEY_INTS, type ItemKeySeeds, keyPackedItems } from './item-key.js';

/** One party's item keys grouped by partition: partition p's keys are `keys[4 * bounds[p] .. 4 * bounds[p + 1])`. */
export interface PartitionedKeys {
  readonly keys: Int32Array;
  readonly bounds: Int32Array;
}

/** Partitions of about this many items give per-partition tables that stay in a core's L2 cache. */
const ITEMS_PER_PARTITION = 4096;
/** More partitions would scatter into more streams than the TLB and write buffers follow. */
const MAX_PARTITION_BITS = 10;

/**
 * How many top key bits pick the partition, for `items` items in a partition's table. Partitioning is what makes
 * the counting cache-friendly: one table for a million items is a random memory access per probe, while 256 tables
 * of 4096 items each stay in L2 while they are built and probed.
 */
export function partitionBitsFor(items: number): number {
  let bits = 0;
  while (bits < MAX_PARTITION_BITS && items / 2 ** bits > ITEMS_PER_PARTITION) bits++;
  return bits;
}

/**
 * Keys one party's packed items (into `scratch`) and scatters the keys by their top `bits` bits into `into`: one
 * sequential pass to key and count, one to scatter. Both buffers hold at least 4 Int32s per item; the result's
 * keys are a view of `into`.
 */
export function partitionKeys(
  column: PackedSetItems,
  seeds: ItemKeySeeds,
  bits: number,
  scratch: Int32Array,
  into: Int32Array,
): PartitionedKeys {
  const partitions = 1 << bits;
  const histogram = new Int32Array(partitions);
  keyPackedItems(column.data, column.count, seeds, scratch, bits, histogram);
  const bounds = new Int32Array(partitions + 1);
  const cursors = new Int32Array(partitions);
  let sum = 0;
  for (let p = 0; p < partitions; p++) {
    bounds[p] = sum;
    cursors[p] = sum << 2;
    sum += histogram[p] as number;
  }
  bounds[partitions] = sum;
  const keys = into.subarray(0, column.count * ITEM_KEY_INTS);
  const shift = 32 - bits;
  const mask = partitions - 1;
  const end = column.count << 2;
  for (let o = 0; o < end; o += 4) {
    const h1 = scratch[o] as number;
    const p = (h1 >>> shift) & mask;
    const to = cursors[p] as number;
    cursors[p] = to + 4;
    keys[to] = h1;
    keys[to + 1] = scratch[o + 1] as number;
    keys[to + 2] = scratch[o + 2] as number;
    keys[to + 3] = scratch[o + 3] as number;
  }
  return { keys, bounds };
}
