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
