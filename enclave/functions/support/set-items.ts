import { z } from 'zod';
import { bytesEqual } from '../../../common/bytes.js';
import { type PackedSetItems, parsePackedSetItems } from '../../../protocol/set-items/index.js';

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

/** What one party sends: the list form, or the packed form (one byte string; see protocol/set-items). */
export type SetInput = SetItems | PackedSetItems;

export function isPackedSet(input: SetInput): input is PackedSetItems {
  return !Array.isArray(input);
}

/** Number of items, duplicates included. */
export function setInputSize(input: SetInput): number {
  return isPackedSet(input) ? input.count : input.length;
}

/**
 * Either form; a packed set comes out normalized (a CBOR-decoded Map becomes a plain object). Refusals name the
 * framing problem, never the data.
 */
export function toSetInput(value: unknown, ctx: z.RefinementCtx): SetInput {
  if (isSetItemList(value)) return value;
  if (Array.isArray(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected up to ${MAX_SET_ITEMS} items, all strings or all byte arrays, each at most ${MAX_SET_ITEM_LENGTH} long`,
    });
    return z.NEVER;
  }
  const packed = parsePackedSetItems(value);
  if (packed.ok) return packed.value;
  ctx.addIssue({ code: 'custom', message: `not a valid packed set: ${packed.problem}` });
  return z.NEVER;
}

export const setInput = z.unknown().transform(toSetInput);

/** Every party's items are of one kind, agreed in the manifest, so a string never meets a byte array. */
export const setParameters = z.strictObject({ itemKind: z.enum(['string', 'bytes']) });

export function itemsEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : bytesEqual(a, b);
}
