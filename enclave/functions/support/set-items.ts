import { z } from 'zod';
import { bytesEqual } from '../../../common/bytes.js';

/** Per party: up to 4 Mi items, each a string of up to 1024 UTF-16 code units or up to 1024 bytes. */
export const MAX_SET_ITEMS = 1 << 22;
export const MAX_SET_ITEM_LENGTH = 1024;

export type SetItems = readonly string[] | readonly Uint8Array[];

/** One pass over a possibly huge list: zod's per-element checks cost more than the intersection itself. */
export function isSetItemList(value: unknown): value is SetItems {
  if (!Array.isArray(value) || value.length > MAX_SET_ITEMS) return false;
  if (value.length === 0) return true;
  if (typeof value[0] === 'string') {
    for (const item of value) if (typeof item !== 'string' || item.length > MAX_SET_ITEM_LENGTH) return false;
    return true;
  }
  for (const item of value)
    if (!(item instanceof Uint8Array) || item.byteLength > MAX_SET_ITEM_LENGTH) return false;
  return true;
}

export const setItemsInput = z.custom<SetItems>(
  isSetItemList,
  `expected up to ${MAX_SET_ITEMS} items, all strings or all byte arrays, each at most ${MAX_SET_ITEM_LENGTH} long`,
);

/** Every party's items are of one kind, agreed in the manifest, so a string never meets a byte array. */
export const setParameters = z.strictObject({ itemKind: z.enum(['string', 'bytes']) });

export function itemsEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : bytesEqual(a, b);
}
