import { webcrypto } from 'node:crypto';
import { FunctionError } from '../errors.js';
import type { PartyInputs } from '../types.js';
import { partiesInOrder } from './party-order.js';
import type { SetItems } from './set-items.js';

/** Hash seed for one evaluation; results never depend on it, only the table layout does. */
export function randomHashSeed(): number {
  return webcrypto.getRandomValues(new Int32Array(1))[0] as number;
}

/** Parties' item lists in party-id order, each checked to hold the agreed kind of item. */
export function itemColumns(inputs: PartyInputs<SetItems>, itemKind: 'string' | 'bytes'): SetItems[] {
  return partiesInOrder(inputs).map(([partyId, items]) => {
    const first = items[0];
    if (first !== undefined && (typeof first === 'string') !== (itemKind === 'string')) {
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

/** Code-unit order for strings, byte order for byte arrays: an order that says nothing about any party's list. */
export function sortItems(items: (string | Uint8Array)[], itemKind: 'string' | 'bytes'): SetItems {
  if (itemKind === 'string') return (items as string[]).sort();
  return (items as Uint8Array[]).sort((a, b) => Buffer.compare(a, b));
}
