/**
 * 32-bit keyed hashes of set items, written into an Int32Array in one tight loop per party. They only place items
 * in the table and filter candidates: every candidate match is confirmed on the full value, so a collision costs
 * a comparison, never a wrong answer. The random per-evaluation seed keeps parties from aiming collisions at the
 * table (which could only slow it down).
 */

function finish(hash: number, length: number): number {
  let h = hash ^ length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Strings by UTF-16 code units, two per multiply. */
export function hashStrings(items: readonly string[], seed: number, out: Int32Array): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as string;
    const length = item.length;
    let h = seed;
    let k = 0;
    for (; k + 1 < length; k += 2) {
      h = Math.imul(h ^ (item.charCodeAt(k) | (item.charCodeAt(k + 1) << 16)), 0x9e3779b1);
      h = (h << 15) | (h >>> 17);
    }
    if (k < length) h = Math.imul(h ^ item.charCodeAt(k), 0x9e3779b1);
    out[i] = finish(h, length);
  }
}

/** Byte arrays, four bytes per multiply. */
export function hashByteArrays(items: readonly Uint8Array[], seed: number, out: Int32Array): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Uint8Array;
    const length = item.length;
    let h = seed;
    let k = 0;
    for (; k + 3 < length; k += 4) {
      const word =
        (item[k] as number) |
        ((item[k + 1] as number) << 8) |
        ((item[k + 2] as number) << 16) |
        ((item[k + 3] as number) << 24);
      h = Math.imul(h ^ word, 0x9e3779b1);
      h = (h << 15) | (h >>> 17);
    }
    for (; k < length; k++) h = Math.imul(h ^ (item[k] as number), 0x9e3779b1);
    out[i] = finish(h, length);
  }
}

/**
 * A packed set's items straight from its buffer (framing already checked by `parsePackedSetItems`), four bytes
 * per multiply as for byte arrays, so no item is ever materialized. Records where each item's bytes start and
 * how long they are, for the table and the byte comparisons that confirm matches.
 */
export function hashPackedItems(
  data: Uint8Array,
  count: number,
  seed: number,
  out: { hashes: Int32Array; starts: Int32Array; lengths: Uint16Array },
): void {
  const { hashes, starts, lengths } = out;
  let at = 0;
  for (let i = 0; i < count; i++) {
    let length = data[at] as number;
    at++;
    if (length >= 0x80) {
      length = (length & 0x7f) | ((data[at] as number) << 7);
      at++;
    }
    const end = at + length;
    let h = seed;
    let k = at;
    for (; k + 3 < end; k += 4) {
      const word =
        (data[k] as number) |
        ((data[k + 1] as number) << 8) |
        ((data[k + 2] as number) << 16) |
        ((data[k + 3] as number) << 24);
      h = Math.imul(h ^ word, 0x9e3779b1);
      h = (h << 15) | (h >>> 17);
    }
    for (; k < end; k++) h = Math.imul(h ^ (data[k] as number), 0x9e3779b1);
    hashes[i] = finish(h, length);
    starts[i] = at;
    lengths[i] = length;
    at = end;
  }
}
