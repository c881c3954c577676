/**
 * 128-bit keyed fingerprints of packed set items, for the counting functions (PSI cardinality, set overlap), which
 * compare items by key alone. Two different items get the same key with probability about 2^-128 per pair for a
 * key drawn at random per evaluation; with at most 2^22 items per party and 64 parties that bounds a false match
 * in one evaluation by 2^-78, below the 2^-40 statistical bound cryptographic PSI protocols (RR22) accept.
 *
 * The mixing follows the structure of MurmurHash3's x86 128-bit variant (four 32-bit lanes, each taking one word
 * of a 16-byte block, chained into each other), with the four lane seeds secret and random per evaluation. It is
 * not a cryptographic hash: a party who could aim a collision at an item of another party would already have to
 * know that item, and could then simply submit it; a collision therefore gives no party more than its own choice
 * of inputs. Functions that reveal items (PSI members) confirm every match on the full bytes instead.
 */

/** Int32s per key in the key arrays. */
export const ITEM_KEY_INTS = 4;

/** Four lane seeds, secret and random per evaluation. */
export type ItemKeySeeds = Int32Array;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  let x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/**
 * Keys a packed set's items (framing already checked by `parsePackedSetItems`) straight from its buffer: item i's
 * key goes to `keys[4i .. 4i + 4)`. Also counts how many keys fall in each partition (the top `bits` bits of the
 * first word), for `partitionKeys`.
 */
export function keyPackedItems(
  data: Uint8Array,
  count: number,
  seeds: ItemKeySeeds,
  keys: Int32Array,
  bits: number,
  histogram: Int32Array,
): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const shift = 32 - bits;
  const partitionMask = (1 << bits) - 1;
  const s1 = seeds[0] as number;
  const s2 = seeds[1] as number;
  const s3 = seeds[2] as number;
  const s4 = seeds[3] as number;
  let at = 0;
  for (let i = 0; i < count; i++) {
    let length = data[at] as number;
    at++;
    if (length >= 0x80) {
      length = (length & 0x7f) | ((data[at] as number) << 7);
      at++;
    }
    const end = at + length;
    let h1 = s1;
    let h2 = s2;
    let h3 = s3;
    let h4 = s4;
    let k = at;
    for (; k + 16 <= end; k += 16) {
      h1 ^= Math.imul(rotl(Math.imul(view.getInt32(k, true), 0x239b961b), 15), 0xab0e9789);
      h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
      h2 ^= Math.imul(rotl(Math.imul(view.getInt32(k + 4, true), 0xab0e9789), 16), 0x38b34ae5);
      h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
      h3 ^= Math.imul(rotl(Math.imul(view.getInt32(k + 8, true), 0x38b34ae5), 17), 0xa1e38b93);
      h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
      h4 ^= Math.imul(rotl(Math.imul(view.getInt32(k + 12, true), 0xa1e38b93), 18), 0x239b961b);
      h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
    }
    if (k < end) {
      // The last 1..15 bytes as four little-endian words, zero-padded (the length, mixed in below, tells
      // a padded item from one that really ends in zeros).
      let w1 = 0;
      let w2 = 0;
      let w3 = 0;
      let w4 = 0;
      for (let j = 0; k + j < end; j++) {
        const byte = (data[k + j] as number) << ((j & 3) << 3);
        if (j < 4) w1 |= byte;
        else if (j < 8) w2 |= byte;
        else if (j < 12) w3 |= byte;
        else w4 |= byte;
      }
      h1 ^= Math.imul(rotl(Math.imul(w1, 0x239b961b), 15), 0xab0e9789);
      h2 ^= Math.imul(rotl(Math.imul(w2, 0xab0e9789), 16), 0x38b34ae5);
      h3 ^= Math.imul(rotl(Math.imul(w3, 0x38b34ae5), 17), 0xa1e38b93);
      h4 ^= Math.imul(rotl(Math.imul(w4, 0xa1e38b93), 18), 0x239b961b);
    }
    h1 ^= length;
    h2 ^= length;
    h3 ^= length;
    h4 ^= length;
    h1 = (h1 + h2 + h3 + h4) | 0;
    h2 = (h2 + h1) | 0;
    h3 = (h3 + h1) | 0;
    h4 = (h4 + h1) | 0;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h3 = fmix(h3);
    h4 = fmix(h4);
    h1 = (h1 + h2 + h3 + h4) | 0;
    h2 = (h2 + h1) | 0;
    h3 = (h3 + h1) | 0;
    h4 = (h4 + h1) | 0;
    const o = i << 2;
    keys[o] = h1;
    keys[o + 1] = h2;
    keys[o + 2] = h3;
    keys[o + 3] = h4;
    const partition = (h1 >>> shift) & partitionMask;
    histogram[partition] = (histogram[partition] as number) + 1;
    at = end;
  }
}

/** Every function here, for the measurement of the functions that key items. */
export const ITEM_KEY_CODE: readonly ((...args: never[]) => unknown)[] = [rotl, fmix, keyPackedItems];
