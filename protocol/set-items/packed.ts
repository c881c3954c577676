/**
 * A packed set: every item of one party's set in a single byte string, each item as a length prefix (unsigned
 * LEB128, one byte below 128, two up to the 1024-byte limit) then its bytes (UTF-8 for strings). A million items
 * travel as one CBOR byte string instead of a million CBOR strings, which both sides would otherwise encode,
 * decode and garbage-collect one by one.
 *
 * Strings compare by their UTF-8 bytes here. UTF-8 is a bijection on well-formed strings, so byte equality is the
 * same as code-unit equality of the JS strings; a lone surrogate has no UTF-8 form (it would become U+FFFD and
 * collide with other strings), so packing refuses it.
 */
import { isAscii } from 'node:buffer';
import { ProtocolError } from '../errors.js';

export type PackedSetKind = 'string' | 'bytes';

export interface PackedSetItems {
  readonly kind: PackedSetKind;
  readonly count: number;
  readonly data: Uint8Array;
}

/** Same limits as the list form: up to 4 Mi items, each at most 1024 bytes once packed. */
export const MAX_PACKED_SET_ITEMS = 1 << 22;
export const MAX_PACKED_ITEM_BYTES = 1024;
/** Item offsets are kept in Int32Arrays by the evaluator. */
export const MAX_PACKED_DATA_BYTES = 0x7fff_ffff;

/** Bytes the prefix of an item of `length` bytes takes. */
export function prefixBytes(length: number): number {
  return length < 0x80 ? 1 : 2;
}

function writePrefix(buffer: Uint8Array, at: number, length: number): number {
  if (length < 0x80) {
    buffer[at] = length;
    return at + 1;
  }
  buffer[at] = (length & 0x7f) | 0x80;
  buffer[at + 1] = length >>> 7;
  return at + 2;
}

function tooLong(index: number, length: number): ProtocolError {
  return new ProtocolError(
    'ENCODING_INVALID',
    `set item ${index} is ${length} bytes; at most 1024 are allowed`,
    {
      details: { index, max: MAX_PACKED_ITEM_BYTES },
    },
  );
}

// Matches only unpaired surrogates: with the `u` flag a well-formed pair is one code point outside the range.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The common case in two native calls: when every item is ASCII and under 128 units, the packed form is the items
 * joined with one placeholder before each (where its one-byte prefix goes). `join` copies the strings in C++,
 * whatever their internal form (a per-unit JS loop forces V8 to flatten each concatenated string first, which
 * costs more than packing). Returns undefined for anything else, which the general path packs.
 */
function packAsciiStrings(items: readonly unknown[]): Uint8Array | undefined {
  // Lengths are kept so that each string is visited twice (here and in the join), not four times: the strings of
  // a large list lie all over the heap, and every visit is a cache miss.
  const lengths = new Uint8Array(items.length);
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== 'string' || item.length >= 0x80) return undefined;
    lengths[i] = item.length;
    total += item.length + 1;
  }
  if (total === 0) return new Uint8Array(0);
  const buffer = Buffer.allocUnsafe(total);
  buffer[0] = 0;
  const joined = items.join('\u0000');
  // Equal counts and all bytes ASCII: one byte per unit, so every item is where its length says.
  if (buffer.write(joined, 1, 'utf8') !== joined.length || !isAscii(buffer)) return undefined;
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i] as number;
    buffer[at] = length;
    at += length + 1;
  }
  return new Uint8Array(buffer.buffer, buffer.byteOffset, total);
}

function packStrings(items: readonly string[]): Uint8Array {
  let estimate = 0;
  for (const item of items) estimate += item.length + 2;
  let buffer = Buffer.allocUnsafe(estimate);
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as string;
    const units = item.length;
    if (units > MAX_PACKED_ITEM_BYTES) throw tooLong(i, units);
    // Worst case 3 bytes per UTF-16 unit: grow before writing, Buffer.write would silently truncate.
    if (buffer.length - at < units * 3 + 2) {
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, at + units * 3 + 2));
      buffer.copy(grown, 0, 0, at);
      buffer = grown;
    }
    // ASCII (one byte per unit, so the one-byte prefix is right when units < 128) is copied inline: a
    // Buffer.write call per item costs more than the copy.
    let k = 0;
    if (units < 0x80) {
      const body = at + 1;
      for (; k < units; k++) {
        const unit = item.charCodeAt(k);
        if (unit >= 0x80) break;
        buffer[body + k] = unit;
      }
      if (k === units) {
        buffer[at] = units;
        at = body + units;
        continue;
      }
    }
    if (LONE_SURROGATE.test(item)) {
      throw new ProtocolError(
        'ENCODING_INVALID',
        `set item ${i} holds a lone surrogate: it has no UTF-8 form`,
        {
          details: { index: i },
        },
      );
    }
    const length = Buffer.byteLength(item, 'utf8');
    if (length > MAX_PACKED_ITEM_BYTES) throw tooLong(i, length);
    at = writePrefix(buffer, at, length);
    at += buffer.write(item, at, length, 'utf8');
  }
  // A plain Uint8Array view, as the bytes form gives: callers never see Buffer-only behaviour.
  return new Uint8Array(buffer.buffer, buffer.byteOffset, at);
}

function packByteArrays(items: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  items.forEach((item, i) => {
    if (item.byteLength > MAX_PACKED_ITEM_BYTES) throw tooLong(i, item.byteLength);
    total += prefixBytes(item.byteLength) + item.byteLength;
  });
  const buffer = new Uint8Array(total);
  let at = 0;
  for (const item of items) {
    at = writePrefix(buffer, at, item.byteLength);
    buffer.set(item, at);
    at += item.byteLength;
  }
  return buffer;
}

/**
 * Packs a list of strings or of byte arrays in one pass into one buffer. `kind` is inferred from the first item
 * (an empty list needs it only to say what it would hold). Throws `ProtocolError` (`ENCODING_INVALID`) for mixed
 * kinds, an item over 1024 bytes, a lone surrogate or more than 4 Mi items.
 */
export function packSetItems(
  items: readonly string[] | readonly Uint8Array[],
  kind: PackedSetKind = typeof items[0] === 'string' || items.length === 0 ? 'string' : 'bytes',
): PackedSetItems {
  if (items.length > MAX_PACKED_SET_ITEMS) {
    throw new ProtocolError('ENCODING_INVALID', `a set holds at most ${MAX_PACKED_SET_ITEMS} items`);
  }
  const strings = kind === 'string';
  // The common case checks the kinds as it packs; anything else is checked first, then packed.
  const ascii = strings ? packAsciiStrings(items) : undefined;
  if (ascii !== undefined) return { kind, count: items.length, data: ascii };
  for (const item of items) {
    if ((typeof item === 'string') !== strings || (!strings && !(item instanceof Uint8Array))) {
      throw new ProtocolError('ENCODING_INVALID', `every item of a '${kind}' set must be a ${kind}`);
    }
  }
  const data = strings
    ? packStrings(items as readonly string[])
    : packByteArrays(items as readonly Uint8Array[]);
  if (data.byteLength > MAX_PACKED_DATA_BYTES) {
    throw new ProtocolError('ENCODING_INVALID', 'a packed set is limited to 2 GiB');
  }
  return { kind, count: items.length, data };
}

/** The list form of a packed set that passed `parsePackedSetItems` (strings decoded from UTF-8, bytes copied). */
export function unpackSetItems(packed: PackedSetItems): string[] | Uint8Array[] {
  const { data, count } = packed;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const strings: string[] = [];
  const arrays: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    let length = bytes[at] as number;
    at++;
    if (length >= 0x80) {
      length = (length & 0x7f) | ((bytes[at] as number) << 7);
      at++;
    }
    if (packed.kind === 'string') strings.push(bytes.toString('utf8', at, at + length));
    else arrays.push(data.slice(at, at + length));
    at += length;
  }
  return packed.kind === 'string' ? strings : arrays;
}

/** Every function here, for the measurement of functions that read packed sets (their text fixes the format). */
export const PACKED_SET_CODE: readonly ((...args: never[]) => unknown)[] = [
  prefixBytes,
  writePrefix,
  tooLong,
  packAsciiStrings,
  packStrings,
  packByteArrays,
  packSetItems,
  unpackSetItems,
];
