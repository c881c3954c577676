import type { PackedSetItems } from '../../../protocol/set-items/index.js';
import type { MeasuredCode } from '../types.js';
import type { ItemKeySeeds } from './item-key.js';
import { type PartitionedKeys, partitionBitsFor, partitionKeys } from './key-partitions.js';

/** Test knobs; results must not depend on them. */
export interface KeyedCountOptions {
  /** Narrows the bits that place a key in its table, forcing long probe runs. */
  readonly placementMask?: number;
  /** Overrides how many key bits pick a partition. */
  readonly partitionBits?: number;
}

/**
 * One partition's open-addressing table (linear probing, load at most 1/2) of distinct keys: four Int32s per slot,
 * and per slot a count and the last party that touched it, 0 meaning empty. It is sized for the largest partition
 * and cleared between partitions, so it stays in cache while it is built and probed.
 */
class KeySlots {
  readonly keys: Int32Array;
  readonly counts: Uint8Array;
  readonly marks: Uint8Array;
  readonly wrapMask: number;
  readonly placementMask: number;

  constructor(capacityItems: number, placementMask: number) {
    let size = 16;
    while (size < capacityItems * 2) size *= 2;
    this.keys = new Int32Array(size * 4);
    this.counts = new Uint8Array(size);
    this.marks = new Uint8Array(size);
    this.wrapMask = size - 1;
    this.placementMask = (size - 1) & placementMask;
  }

  clear(): void {
    this.counts.fill(0);
    this.marks.fill(0);
  }

  /**
   * The slot holding the key at `keys[o .. o + 4)`, or the empty slot where it belongs. The slot comes from the
   * second word: the first word's top bits already picked the partition.
   */
  find(keys: Int32Array, o: number): number {
    const k1 = keys[o] as number;
    const k2 = keys[o + 1] as number;
    const k3 = keys[o + 2] as number;
    const k4 = keys[o + 3] as number;
    const slotKeys = this.keys;
    const counts = this.counts;
    const wrapMask = this.wrapMask;
    let slot = k2 & this.placementMask;
    for (;;) {
      if (counts[slot] === 0) return slot;
      const s = slot << 2;
      if (slotKeys[s + 1] === k2 && slotKeys[s] === k1 && slotKeys[s + 2] === k3 && slotKeys[s + 3] === k4) {
        return slot;
      }
      slot = (slot + 1) & wrapMask;
    }
  }

  /** Copies the keys whose count is `count` to `keys` from offset `at` on, consecutively. */
  copyCounted(count: number, keys: Int32Array, at: number): void {
    let to = at;
    for (let slot = 0; slot < this.counts.length; slot++) {
      if (this.counts[slot] !== count) continue;
      const s = slot << 2;
      keys[to] = this.keys[s] as number;
      keys[to + 1] = this.keys[s + 1] as number;
      keys[to + 2] = this.keys[s + 2] as number;
      keys[to + 3] = this.keys[s + 3] as number;
      to += 4;
    }
  }

  /** Stores the key at `keys[o .. o + 4)` in the empty `slot`. */
  fill(slot: number, keys: Int32Array, o: number, count: number, mark: number): void {
    const s = slot << 2;
    this.keys[s] = keys[o] as number;
    this.keys[s + 1] = keys[o + 1] as number;
    this.keys[s + 2] = keys[o + 2] as number;
    this.keys[s + 3] = keys[o + 3] as number;
    this.counts[slot] = count;
    this.marks[slot] = mark;
  }
}

function partitionAll(
  columns: readonly PackedSetItems[],
  seeds: ItemKeySeeds,
  bits: number,
): PartitionedKeys[] {
  let longest = 0;
  for (const column of columns) longest = Math.max(longest, column.count);
  const scratch = new Int32Array(longest * 4);
  return columns.map((column) =>
    partitionKeys(column, seeds, bits, scratch, new Int32Array(column.count * 4)),
  );
}

function largestPartition(parts: readonly PartitionedKeys[], partitions: number): number {
  let largest = 0;
  for (let p = 0; p < partitions; p++) {
    let items = 0;
    for (const { bounds } of parts) items += (bounds[p + 1] as number) - (bounds[p] as number);
    largest = Math.max(largest, items);
  }
  return largest;
}

/**
 * One round of the intersection: per partition, the base keys still alive (`alive[p]` of them from the partition's
 * start) go into the table, and `probe`'s keys of that partition look them up. Updates `alive` to the keys found
 * and, unless `last`, writes those keys back compactly as the next survivors. Without `probe`, only deduplicates.
 * Returns how many keys are alive after the round. (Kept apart from the orchestration so that V8 optimizes these
 * loops on their own rather than inlined into one large function.)
 */
function intersectRound(
  table: KeySlots,
  survivors: PartitionedKeys,
  alive: Int32Array,
  probe: PartitionedKeys | undefined,
  last: boolean,
): number {
  const { keys: baseKeys, bounds: baseBounds } = survivors;
  const counts = table.counts;
  let total = 0;
  for (let p = 0; p < alive.length; p++) {
    const living = alive[p] as number;
    if (living === 0) continue;
    table.clear();
    const start = (baseBounds[p] as number) << 2;
    let distinct = 0;
    for (let o = start, end = start + (living << 2); o < end; o += 4) {
      const slot = table.find(baseKeys, o);
      if (counts[slot] === 0) {
        table.fill(slot, baseKeys, o, 1, 0);
        distinct++;
      }
    }
    if (probe === undefined) {
      alive[p] = distinct;
      total += distinct;
      continue;
    }
    const { keys: probeKeys, bounds: probeBounds } = probe;
    let found = 0;
    const end = (probeBounds[p + 1] as number) << 2;
    for (let o = (probeBounds[p] as number) << 2; o < end; o += 4) {
      const slot = table.find(probeKeys, o);
      if (counts[slot] === 1) {
        counts[slot] = 2;
        found++;
      }
    }
    alive[p] = found;
    total += found;
    if (!last && found > 0) table.copyCounted(2, baseKeys, start);
  }
  return total;
}

/**
 * How many distinct items every column holds, comparing items by 128-bit key (see item-key.ts). The smallest
 * column (`base`) is keyed and partitioned once; each other column in turn is keyed into one reused buffer, and per
 * partition the base keys still alive go into a cache-sized table that the column's keys probe. The keys found are
 * written back compactly as the next survivors (duplicates count once). Memory is three buffers of keys (base,
 * scratch, current column) and one small table, however many parties there are.
 */
export function countIntersectionByKey(
  columns: readonly PackedSetItems[],
  base: number,
  seeds: ItemKeySeeds,
  options: KeyedCountOptions = {},
): number {
  const baseColumn = columns[base] as PackedSetItems;
  const bits = options.partitionBits ?? partitionBitsFor(baseColumn.count);
  const partitions = 1 << bits;
  let longest = 0;
  for (const column of columns) longest = Math.max(longest, column.count);
  const scratch = new Int32Array(longest * 4);
  const survivors = partitionKeys(baseColumn, seeds, bits, scratch, new Int32Array(baseColumn.count * 4));
  const alive = new Int32Array(partitions);
  for (let p = 0; p < partitions; p++) {
    alive[p] = (survivors.bounds[p + 1] as number) - (survivors.bounds[p] as number);
  }
  const table = new KeySlots(largestPartition([survivors], partitions), options.placementMask ?? -1);
  const others = columns.map((_, party) => party).filter((party) => party !== base);
  if (others.length === 0) return intersectRound(table, survivors, alive, undefined, true);
  const buffer = new Int32Array(longest * 4);
  let cardinality = 0;
  for (let k = 0; k < others.length; k++) {
    const column = columns[others[k] as number] as PackedSetItems;
    const probe = partitionKeys(column, seeds, bits, scratch, buffer);
    cardinality = intersectRound(table, survivors, alive, probe, k === others.length - 1);
    if (cardinality === 0) break;
  }
  return cardinality;
}

/** How many distinct items the columns hold together, and how many every column holds, by 128-bit key. */
export function countOverlapByKey(
  columns: readonly PackedSetItems[],
  seeds: ItemKeySeeds,
  options: KeyedCountOptions = {},
): { union: number; intersection: number } {
  let total = 0;
  for (const column of columns) total += column.count;
  const bits = options.partitionBits ?? partitionBitsFor(total);
  const partitions = 1 << bits;
  const parts = partitionAll(columns, seeds, bits);
  const table = new KeySlots(largestPartition(parts, partitions), options.placementMask ?? -1);
  const { counts, marks } = table;
  const all = columns.length;
  let union = 0;
  let intersection = 0;
  for (let p = 0; p < partitions; p++) {
    table.clear();
    for (let party = 0; party < all; party++) {
      const { keys, bounds } = parts[party] as PartitionedKeys;
      const mark = party + 1;
      const end = (bounds[p + 1] as number) << 2;
      for (let o = (bounds[p] as number) << 2; o < end; o += 4) {
        const slot = table.find(keys, o);
        const count = counts[slot] as number;
        if (count === 0) {
          table.fill(slot, keys, o, 1, mark);
          union++;
          if (all === 1) intersection++;
        } else if (marks[slot] !== mark) {
          marks[slot] = mark;
          counts[slot] = count + 1;
          if (count + 1 === all) intersection++;
        }
      }
    }
  }
  return { union, intersection };
}

/** Every function and class here, for the measurement of the functions that count by key. */
export const KEYED_COUNT_CODE: readonly MeasuredCode[] = [
  KeySlots,
  partitionAll,
  intersectRound,
  largestPartition,
  countIntersectionByKey,
  countOverlapByKey,
];
