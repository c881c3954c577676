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
 * and per slot a count (or stage) and the last party that touched it, 0 meaning empty. It is sized for the largest
 * partition and cleared between partitions, so it stays in cache while it is built and probed.
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
  return columns.map((column) => partitionKeys(column, seeds, bits, scratch));
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
 * How many distinct items every column holds, comparing items by 128-bit key (see item-key.ts). Only `base` (the
 * smallest column) is inserted, partition by partition; each other column then advances the stage of the keys it
 * holds, duplicates within a column counting once.
 */
export function countIntersectionByKey(
  columns: readonly PackedSetItems[],
  base: number,
  seeds: ItemKeySeeds,
  options: KeyedCountOptions = {},
): number {
  const bits = options.partitionBits ?? partitionBitsFor((columns[base] as PackedSetItems).count);
  const partitions = 1 << bits;
  const parts = partitionAll(columns, seeds, bits);
  const baseKeys = parts[base] as PartitionedKeys;
  const table = new KeySlots(largestPartition([baseKeys], partitions), options.placementMask ?? -1);
  const counts = table.counts;
  let cardinality = 0;
  for (let p = 0; p < partitions; p++) {
    table.clear();
    let present = 0;
    const { keys, bounds } = baseKeys;
    for (let o = (bounds[p] as number) << 2, end = (bounds[p + 1] as number) << 2; o < end; o += 4) {
      const slot = table.find(keys, o);
      if (counts[slot] === 0) {
        table.fill(slot, keys, o, 1, 1);
        present++;
      }
    }
    let stage = 1;
    for (let party = 0; party < parts.length && present > 0; party++) {
      if (party === base) continue;
      const { keys: partyKeys, bounds: partyBounds } = parts[party] as PartitionedKeys;
      present = 0;
      const end = (partyBounds[p + 1] as number) << 2;
      for (let o = (partyBounds[p] as number) << 2; o < end; o += 4) {
        const slot = table.find(partyKeys, o);
        if (counts[slot] === stage) {
          counts[slot] = stage + 1;
          present++;
        }
      }
      stage++;
    }
    cardinality += present;
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
  largestPartition,
  countIntersectionByKey,
  countOverlapByKey,
];
