import { webcrypto } from 'node:crypto';
import { type PackedSetItems, unpackSetItems } from '../../../protocol/set-items/index.js';
import { FunctionError } from '../errors.js';
import type { PartyInputs } from '../types.js';
import type { ItemKeySeeds } from './item-key.js';
import { partiesInOrder } from './party-order.js';
import { isPackedSet, type SetInput, type SetItems } from './set-items.js';

/**
 * Secret seeds for one evaluation: the first places items in the exact tables (results never depend on it), all
 * four key items by 128 bits for the counting functions (item-key.ts).
 */
export function randomSetSeeds(): ItemKeySeeds {
  return webcrypto.getRandomValues(new Int32Array(4));
}

/** Parties' item sets in party-id order, each checked to hold the agreed kind of item (an empty set holds any). */
export function itemColumns(inputs: PartyInputs<SetInput>, itemKind: 'string' | 'bytes'): SetInput[] {
  return partiesInOrder(inputs).map(([partyId, items]) => {
    const first = isPackedSet(items) ? undefined : items[0];
    const wrongKind = isPackedSet(items)
      ? items.count > 0 && items.kind !== itemKind
      : first !== undefined && (typeof first === 'string') !== (itemKind === 'string');
    if (wrongKind) {
      throw new FunctionError(
        'FUNCTION_INPUT_INVALID',
        `the items from ${partyId} are not of the agreed kind`,
        {
          details: { partyId, itemKind },
        },
      );
    }
    return items;
  });
}

/**
 * All columns in one form: packed when every party packed (the fast path), else lists. Mixing forms unpacks the
 * packed ones, which is exact (valid UTF-8 decodes to well-formed strings, compared by code units as lists are).
 */
export function uniformColumns(
  columns: readonly SetInput[],
): { packed: true; columns: PackedSetItems[] } | { packed: false; columns: SetItems[] } {
  if (columns.length > 0 && columns.every(isPackedSet)) {
    return { packed: true, columns: columns as PackedSetItems[] };
  }
  return { packed: false, columns: columns.map((c) => (isPackedSet(c) ? unpackSetItems(c) : c)) };
}

/** Code-unit order for strings, byte order for byte arrays: an order that says nothing about any party's list. */
export function sortItems(items: (string | Uint8Array)[], itemKind: 'string' | 'bytes'): SetItems {
  if (itemKind === 'string') return (items as string[]).sort();
  return (items as Uint8Array[]).sort((a, b) => Buffer.compare(a, b));
}
