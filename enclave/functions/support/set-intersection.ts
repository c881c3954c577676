import { ItemTable } from './item-table.js';
import type { SetItems } from './set-items.js';

/**
 * The items every column holds. Only the smallest list is inserted; the others are looked up in turn (an item
 * advances a stage per party that holds it), which bounds the table by the smallest list.
 */
export function intersectColumns(
  columns: readonly SetItems[],
  seed: number,
  collectMembers: boolean,
  hashMask = -1,
): { cardinality: number; members: (string | Uint8Array)[] } {
  if (columns.length === 0) return { cardinality: 0, members: [] };
  let base = 0;
  columns.forEach((column, party) => {
    if (column.length < (columns[base] as SetItems).length) base = party;
  });
  const table = new ItemTable(columns, (columns[base] as SetItems).length, seed, hashMask);
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
  columns: readonly SetItems[],
  seed: number,
  hashMask = -1,
): { union: number; intersection: number } {
  const total = columns.reduce((sum, column) => sum + column.length, 0);
  const table = new ItemTable(columns, total, seed, hashMask);
  for (let party = 0; party < columns.length; party++) table.addParty(party);
  return { union: table.distinctItems, intersection: table.countAt(columns.length) };
}
