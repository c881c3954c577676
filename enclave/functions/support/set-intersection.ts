import type { ItemKeySeeds } from './item-key.js';
import { ItemTable } from './item-table.js';
import { countIntersectionByKey, countOverlapByKey } from './keyed-set-counts.js';
import { PackedItemTable } from './packed-item-table.js';
import { uniformColumns } from './set-evaluation.js';
import { type SetInput, setInputSize } from './set-items.js';

/** Test knobs; results must not depend on them. */
export interface SetEvaluationOptions {
  /** Narrows the bits that place an item in a table (the hash of the exact tables), forcing collisions. */
  readonly placementMask?: number;
  /** Overrides how many partitions the counting by key uses (as key bits). */
  readonly partitionBits?: number;
}

/** What both exact tables offer: distinct items counted per party, in one form of column each. */
type DistinctItemTable = Pick<
  ItemTable,
  'distinctItems' | 'addParty' | 'advanceParty' | 'countAt' | 'itemsAt'
>;

export function exactTableFor(
  uniform: ReturnType<typeof uniformColumns>,
  capacityItems: number,
  seed: number,
  placementMask: number,
): DistinctItemTable {
  return uniform.packed
    ? new PackedItemTable(uniform.columns, capacityItems, seed, placementMask)
    : new ItemTable(uniform.columns, capacityItems, seed, placementMask);
}

/**
 * The items every column holds. Only the smallest list is inserted; the others are looked up in turn (an item
 * advances a stage per party that holds it), which bounds the table by the smallest list. Members are found with
 * an exact table (every match confirmed on the full value, as they are revealed); the cardinality alone of packed
 * sets is counted by 128-bit key, partitioned to stay in cache (keyed-set-counts.ts).
 */
export function intersectColumns(
  columns: readonly SetInput[],
  seeds: ItemKeySeeds,
  collectMembers: boolean,
  options: SetEvaluationOptions = {},
): { cardinality: number; members: (string | Uint8Array)[] } {
  if (columns.length === 0) return { cardinality: 0, members: [] };
  const sizes = columns.map(setInputSize);
  let base = 0;
  sizes.forEach((size, party) => {
    if (size < (sizes[base] as number)) base = party;
  });
  const uniform = uniformColumns(columns);
  if (uniform.packed && !collectMembers) {
    return { cardinality: countIntersectionByKey(uniform.columns, base, seeds, options), members: [] };
  }
  const seed = seeds[0] as number;
  const table = exactTableFor(uniform, sizes[base] as number, seed, options.placementMask ?? -1);
  table.addParty(base);
  let stage = 1;
  let cardinality = table.distinctItems;
  for (let party = 0; party < columns.length && cardinality > 0; party++) {
    if (party === base) continue;
    cardinality = table.advanceParty(party, stage);
    stage++;
  }
  return { cardinality, members: collectMembers && cardinality > 0 ? table.itemsAt(stage) : [] };
}

/** How many distinct items the columns hold together, and how many every column holds. */
export function overlapColumns(
  columns: readonly SetInput[],
  seeds: ItemKeySeeds,
  options: SetEvaluationOptions = {},
): { union: number; intersection: number } {
  const uniform = uniformColumns(columns);
  if (uniform.packed) return countOverlapByKey(uniform.columns, seeds, options);
  const total = columns.reduce((sum, column) => sum + setInputSize(column), 0);
  const table = exactTableFor(uniform, total, seeds[0] as number, options.placementMask ?? -1);
  for (let party = 0; party < columns.length; party++) table.addParty(party);
  return { union: table.distinctItems, intersection: table.countAt(columns.length) };
}
