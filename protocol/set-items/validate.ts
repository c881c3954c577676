import { isAscii, isUtf8 } from 'node:buffer';
import { isPlainObject } from '../../common/records.js';
import {
  MAX_PACKED_DATA_BYTES,
  MAX_PACKED_ITEM_BYTES,
  MAX_PACKED_SET_ITEMS,
  type PackedSetItems,
} from './packed.js';

export type PackedSetCheck =
  | { readonly ok: true; readonly value: PackedSetItems }
  | { readonly ok: false; readonly problem: string };

const FIELDS = ['kind', 'count', 'data'] as const;

/** The three fields of a plain object or of a CBOR-decoded Map (decoders keep maps as Maps), nothing else. */
function fieldsOf(value: unknown): Map<unknown, unknown> | undefined {
  if (value instanceof Map) return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    return undefined;
  }
  return isPlainObject(value) ? new Map(Object.entries(value)) : undefined;
}

function fail(problem: string): PackedSetCheck {
  return { ok: false, problem };
}

/**
 * Checks a packed set's framing in one pass: exactly `count` items, minimal prefixes, none over 1024 bytes, no
 * trailing bytes and, for strings, valid UTF-8 per item (all-ASCII data, the common case, is one native scan).
 * Returns the normalized object, or why it was refused (never quoting the data: it is secret).
 */
export function parsePackedSetItems(value: unknown): PackedSetCheck {
  const fields = fieldsOf(value);
  if (fields === undefined) return fail('a packed set is a map of kind, count and data');
  if (fields.size !== FIELDS.length || !FIELDS.every((name) => fields.has(name))) {
    return fail('a packed set has exactly the fields kind, count and data');
  }
  const kind = fields.get('kind');
  const count = fields.get('count');
  const data = fields.get('data');
  if (kind !== 'string' && kind !== 'bytes') return fail("kind is 'string' or 'bytes'");
  if (
    typeof count !== 'number' ||
    !Number.isSafeInteger(count) ||
    count < 0 ||
    count > MAX_PACKED_SET_ITEMS
  ) {
    return fail(`count is an integer from 0 to ${MAX_PACKED_SET_ITEMS}`);
  }
  if (!(data instanceof Uint8Array)) return fail('data is a byte string');
  if (data.byteLength > MAX_PACKED_DATA_BYTES) return fail('data is limited to 2 GiB');
  // With every prefix below 0x80 (items under 128 bytes), all-ASCII data means every item is ASCII.
  const checkUtf8 = kind === 'string' && !isAscii(data);
  const end = data.byteLength;
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at >= end) return fail(`data ends before item ${i}`);
    let length = data[at] as number;
    at++;
    if (length >= 0x80) {
      const high = data[at];
      if (high === undefined) return fail(`data ends in the prefix of item ${i}`);
      if (high === 0 || high >= 0x80) return fail(`item ${i} has a non-minimal or over-long prefix`);
      length = (length & 0x7f) | (high << 7);
      at++;
    }
    if (length > MAX_PACKED_ITEM_BYTES) return fail(`item ${i} is over ${MAX_PACKED_ITEM_BYTES} bytes`);
    if (at + length > end) return fail(`data ends inside item ${i}`);
    if (checkUtf8 && !isUtf8Item(data, at, at + length)) return fail(`item ${i} is not valid UTF-8`);
    at += length;
  }
  if (at !== end) return fail(`data has bytes after item ${count}`);
  return { ok: true, value: { kind, count, data } };
}

/** ASCII inline (no call, no view); anything else through the native validator (overlongs, surrogates refused). */
function isUtf8Item(data: Uint8Array, start: number, end: number): boolean {
  let k = start;
  while (k < end && (data[k] as number) < 0x80) k++;
  return k === end || isUtf8(data.subarray(start, end));
}

/** Every function here, for the measurement of functions whose input schema calls the validator. */
export const PACKED_SET_VALIDATION_CODE: readonly ((...args: never[]) => unknown)[] = [
  fieldsOf,
  fail,
  parsePackedSetItems,
  isUtf8Item,
];
