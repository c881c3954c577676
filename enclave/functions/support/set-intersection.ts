import { ItemTable } from './item-table.js';
import { PackedItemTable } from './packed-item-table.js';
import { uniformColumns } from './set-evaluation.js';
import { type SetInput, setInputSize } from './set-items.js';

/** What both tables offer: distinct items counted per party, in one form of column each. */
type DistinctItemTable = Pick<
  ItemTable,
  'distinctItems' | 'addParty' | 'advanceParty' | 'countAt' | 'itemsAt'
>;

function tableFor(
  columns: readonly SetInput[],
  capacityItems: number,
  seed: number,
  hashMask: number,
): DistinctItemTable {
  const uniform = uniformColumns(columns);
  return uniform.packed
    ? new PackedItemTable(uniform.columns, capacityItems, seed, hashMask)
    : new ItemTable(uniform.columns, capacityItems, seed, hashMask);
}

/**
 * The items every column holds. Only the smallest list is inserted; the others are looked up in turn (an item
 * advances a stage per party that holds it), which bounds the table by the smallest list.
 */
export function intersectColumns(
  columns: readonly SetInput[],
  seed: number,
  collectMembers: boolean,
  hashMask = -1,
): { cardinality: number; members: (string | Uint8Array)[] } {
  if (columns.length === 0) return { cardinality: 0, members: [] };
  const sizes = columns.map(setInputSize);
  let base = 0;
  sizes.forEach((size, party) => {
    if (size < (sizes[base] as number)) base = party;
  });
  const table = tableFor(columns, sizes[base] as number, seed, hashMask);
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
  seed: number,
  hashMask = -1,
): { union: number; intersection: number } {
  const total = columns.reduce((sum, column) => sum + setInputSize(column), 0);
  const table = tableFor(columns, total, seed, hashMask);
  for (let party = 0; party < columns.length; party++) table.addParty(party);
  return { union: table.distinctItems, intersection: table.countAt(columns.length) };
}
