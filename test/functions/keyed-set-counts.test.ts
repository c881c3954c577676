import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyPackedItems } from '../../enclave/functions/support/item-key.js';
import { partitionBitsFor, partitionKeys } from '../../enclave/functions/support/key-partitions.js';
import {
  countIntersectionByKey,
  countOverlapByKey,
} from '../../enclave/functions/support/keyed-set-counts.js';
import { packSetItems } from '../../protocol/set-items/index.js';

const SEEDS = Int32Array.of(0x1234, -7, 99, 0x7fffffff);

function keysOf(items: readonly Uint8Array[], seeds = SEEDS): string[] {
  const packed = packSetItems(items, 'bytes');
  const keys = new Int32Array(items.length * 4);
  keyPackedItems(packed.data, packed.count, seeds, keys, 0, new Int32Array(1));
  return items.map((_, i) => Array.from(keys.subarray(i * 4, i * 4 + 4)).join(','));
}

function naive(lists: readonly (readonly string[])[]): { union: number; intersection: number } {
  const sets = lists.map((list) => new Set(list));
  const union = new Set(lists.flat());
  const intersection = [...union].filter((item) => sets.every((set) => set.has(item)));
  return { union: union.size, intersection: intersection.length };
}

function smallestIndex(lists: readonly (readonly string[])[]): number {
  let base = 0;
  lists.forEach((list, i) => {
    if (list.length < (lists[base] as readonly string[]).length) base = i;
  });
  return base;
}

// Lengths around the 16-byte block and the one-byte prefix limit; few distinct items so that lists share many.
const item = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', 'é'), maxLength: 40 }),
  fc.constantFrom('x'.repeat(127), 'x'.repeat(128), `${'y'.repeat(200)}z`),
);
const lists = fc.array(fc.array(item, { maxLength: 40 }), { minLength: 1, maxLength: 5 });
// Knobs that force every key into few slots and spread parties over many partitions, or none.
const shape = fc.record({
  placementMask: fc.constantFrom(-1, 0, 0x1, 0x7),
  partitionBits: fc.constantFrom(0, 1, 3, 6),
});

describe('128-bit item keys', () => {
  it('give equal items equal keys and tell apart items that differ in one byte, a trailing zero or length', () => {
    const items = [
      Uint8Array.of(),
      Uint8Array.of(0),
      Uint8Array.of(0, 0),
      Uint8Array.of(1),
      new Uint8Array(15),
      new Uint8Array(16),
      new Uint8Array(17),
      new Uint8Array(32).fill(7),
      Uint8Array.from(new Uint8Array(32).fill(7), (v, i) => (i === 31 ? 8 : v)),
      new Uint8Array(1024).fill(0xff),
      Uint8Array.of(1),
    ];
    const keys = keysOf(items);
    expect(keys[10]).toBe(keys[3]);
    expect(new Set(keys.slice(0, 10)).size).toBe(10);
  });

  it('differ for 2^14 similar items and change with the seeds', () => {
    const encoder = new TextEncoder();
    const items = Array.from({ length: 1 << 14 }, (_, i) => encoder.encode(`user-${i}@example.org`));
    const keys = keysOf(items);
    expect(new Set(keys).size).toBe(items.length);
    const words = keys.flatMap((key) => key.split(','));
    expect(new Set(words).size).toBeGreaterThan(words.length * 0.99); // every lane mixes
    const reseeded = keysOf(items, Int32Array.of(0x1235, -7, 99, 0x7fffffff));
    expect(reseeded.filter((key, i) => key === keys[i])).toEqual([]);
  });

  it('partition keys by their top bits, every key once', () => {
    const items = Array.from({ length: 5000 }, (_, i) => `item-${i}`);
    const packed = packSetItems(items);
    const scratch = new Int32Array(items.length * 4);
    const { keys, bounds } = partitionKeys(packed, SEEDS, 4, scratch, new Int32Array(items.length * 4));
    expect(bounds[0]).toBe(0);
    expect(bounds[16]).toBe(items.length);
    let misplaced = 0;
    for (let p = 0; p < 16; p++) {
      for (let i = bounds[p] as number; i < (bounds[p + 1] as number); i++) {
        if ((keys[i * 4] as number) >>> 28 !== p) misplaced++;
      }
    }
    expect(misplaced).toBe(0);
    expect(new Set(Array.from({ length: items.length }, (_, i) => keys[i * 4 + 1])).size).toBe(
      new Set(Array.from({ length: items.length }, (_, i) => scratch[i * 4 + 1])).size,
    );
  });

  it('choose partitions of at most 4096 items up to 1024 partitions', () => {
    expect(partitionBitsFor(0)).toBe(0);
    expect(partitionBitsFor(4096)).toBe(0);
    expect(partitionBitsFor(4097)).toBe(1);
    expect(partitionBitsFor(1 << 20)).toBe(8);
    expect(partitionBitsFor(1 << 23)).toBe(10);
  });
});

describe('counting by key', () => {
  it('intersection and overlap equal naive Sets, with duplicates, forced collisions and partitions (property)', () => {
    fc.assert(
      fc.property(lists, shape, (sets, options) => {
        const packed = sets.map((items) => packSetItems(items));
        const expected = naive(sets);
        expect(countIntersectionByKey(packed, smallestIndex(sets), SEEDS, options)).toBe(
          expected.intersection,
        );
        expect(countOverlapByKey(packed, SEEDS, options)).toEqual(expected);
      }),
    );
  });

  it('counts any column as the base, and handles empty columns and a single party', () => {
    const a = packSetItems(['a', 'b', 'c', 'c']);
    const b = packSetItems(['c', 'b', 'd']);
    const empty = packSetItems([]);
    expect(countIntersectionByKey([a, b], 0, SEEDS)).toBe(2);
    expect(countIntersectionByKey([a, b], 1, SEEDS)).toBe(2);
    expect(countIntersectionByKey([a, empty, b], 1, SEEDS)).toBe(0);
    expect(countIntersectionByKey([a], 0, SEEDS)).toBe(3);
    expect(countOverlapByKey([a], SEEDS)).toEqual({ union: 3, intersection: 3 });
    expect(countOverlapByKey([empty, empty], SEEDS)).toEqual({ union: 0, intersection: 0 });
  });

  it('is exact on 60k items per party spread over many partitions, duplicates included', () => {
    const n = 60_000;
    const a = Array.from({ length: n }, (_, i) => `user-${(i * 7919) % 1_000_003}@example.org`);
    const b = Array.from({ length: n }, (_, i) => `user-${(i * 104_729 + 31) % 1_000_003}@example.org`);
    b.push(...b.slice(0, 5000));
    const c = [...a.slice(0, n / 2), ...b.slice(0, n / 2)];
    const expected = naive([a, b, c]);
    const packed = [a, b, c].map((items) => packSetItems(items));
    expect(countIntersectionByKey(packed, 2, SEEDS)).toBe(expected.intersection);
    expect(countOverlapByKey(packed, SEEDS)).toEqual(expected);
  });
});
