import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { psiFunction, selectView, setOverlapFunction } from '../../enclave/functions/index.js';
import { intersectColumns, overlapColumns } from '../../enclave/functions/support/set-intersection.js';
import { codeOf, run } from './support.js';

function naiveIntersection(lists: readonly (readonly string[])[]): Set<string> {
  const [first = [], ...rest] = lists;
  const sets = rest.map((list) => new Set(list));
  return new Set(first.filter((item) => sets.every((set) => set.has(item))));
}

const SEEDS = Int32Array.of(1, 2, 3, 4);

describe('private set intersection', () => {
  it('finds the members, sorted, with duplicates counted once', async () => {
    const result = await run(
      psiFunction,
      { itemKind: 'string' },
      { a: ['x', 'y', 'y', 'z'], b: ['z', 'y', 'y', 'w'] },
    );
    expect(result).toEqual({ cardinality: 2, members: ['y', 'z'] });
    expect(selectView(psiFunction, result, 'cardinality')).toEqual({ cardinality: 2 });
  });

  it('reveals only the cardinality when agreed so', async () => {
    const result = await run(
      psiFunction,
      { itemKind: 'string', reveal: 'cardinality' },
      { a: ['x', 'y'], b: ['y'] },
    );
    expect(result).toEqual({ cardinality: 1 });
  });

  it('handles three parties, empty lists and a single party', async () => {
    const three = { a: ['1', '2', '3'], b: ['2', '3', '4'], c: ['3', '2', '9'] };
    expect(await run(psiFunction, { itemKind: 'string' }, three)).toEqual({
      cardinality: 2,
      members: ['2', '3'],
    });
    expect(await run(psiFunction, { itemKind: 'string' }, { a: [], b: ['x'] })).toEqual({
      cardinality: 0,
      members: [],
    });
    expect(await run(psiFunction, { itemKind: 'string' }, { a: ['b', 'a', 'b'] })).toEqual({
      cardinality: 2,
      members: ['a', 'b'],
    });
  });

  it('intersects byte arrays by content', async () => {
    const result = await run(
      psiFunction,
      { itemKind: 'bytes' },
      {
        a: [Uint8Array.of(1, 2, 3, 4, 5), Uint8Array.of(9)],
        b: [Uint8Array.of(1, 2, 3, 4, 5), Uint8Array.of(8)],
      },
    );
    expect(result.cardinality).toBe(1);
    expect(result.members).toEqual([Uint8Array.of(1, 2, 3, 4, 5)]);
  });

  it('refuses mixed kinds, the wrong kind, oversized items and unknown parameters', async () => {
    expect(await codeOf(run(psiFunction, { itemKind: 'string' }, { a: ['x', Uint8Array.of(1)] }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    expect(await codeOf(run(psiFunction, { itemKind: 'bytes' }, { a: ['x'], b: [] }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    expect(await codeOf(run(psiFunction, { itemKind: 'string' }, { a: ['x'.repeat(1025)] }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    expect(await codeOf(run(psiFunction, { itemKind: 'text' }, { a: ['x'] }))).toBe(
      'FUNCTION_PARAMETERS_INVALID',
    );
  });

  it('cardinality equals the naive Set intersection (property)', async () => {
    const list = fc.array(fc.string({ maxLength: 4 }), { maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(fc.array(list, { minLength: 1, maxLength: 4 }), async (lists) => {
        const inputs = Object.fromEntries(lists.map((items, i) => [`p${i}`, items]));
        const result = await run(psiFunction, { itemKind: 'string' }, inputs);
        const expected = [...naiveIntersection(lists)].sort();
        expect(result).toEqual({ cardinality: expected.length, members: expected });
      }),
    );
  });

  it('stays exact when every hash collides (confirmation by full value)', () => {
    const a = Array.from({ length: 300 }, (_, i) => `item-${i}`);
    const b = Array.from({ length: 300 }, (_, i) => `item-${i + 100}`);
    for (const mask of [0, 0x3, 0xff]) {
      expect(intersectColumns([a, b], SEEDS, false, { placementMask: mask }).cardinality).toBe(200);
      expect(overlapColumns([a, b], SEEDS, { placementMask: mask })).toEqual({
        union: 400,
        intersection: 200,
      });
    }
  });

  it('is correct on 100k items per party against a naive computation', async () => {
    const n = 100_000;
    const a = Array.from({ length: n }, (_, i) => `user-${(i * 7919) % 1_000_003}@example.org`);
    const b = Array.from({ length: n }, (_, i) => `user-${(i * 104_729 + 31) % 1_000_003}@example.org`);
    b.push(...b.slice(0, 1000)); // duplicates
    const expected = naiveIntersection([a, b]);
    const result = await run(psiFunction, { itemKind: 'string' }, { a, b });
    expect(result.cardinality).toBe(expected.size);
    expect(result.members).toEqual([...expected].sort());
  });
});

describe('set overlap', () => {
  it('gives union and intersection cardinalities and their ratio', async () => {
    const result = await run(
      setOverlapFunction,
      { itemKind: 'string' },
      { a: ['1', '2', '3', '3'], b: ['3', '4'] },
    );
    expect(result).toEqual({ unionCardinality: 4, intersectionCardinality: 1, overlapRatio: 0.25 });
    expect(selectView(setOverlapFunction, result, 'union-cardinality')).toEqual({ unionCardinality: 4 });
    expect(await run(setOverlapFunction, { itemKind: 'string' }, { a: [], b: [] })).toEqual({
      unionCardinality: 0,
      intersectionCardinality: 0,
      overlapRatio: null,
    });
  });

  it('matches naive Sets (property)', async () => {
    const list = fc.array(fc.string({ maxLength: 3 }), { maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(fc.array(list, { minLength: 1, maxLength: 4 }), async (lists) => {
        const inputs = Object.fromEntries(lists.map((items, i) => [`p${i}`, items]));
        const result = await run(setOverlapFunction, { itemKind: 'string' }, inputs);
        expect(result.unionCardinality).toBe(new Set(lists.flat()).size);
        expect(result.intersectionCardinality).toBe(naiveIntersection(lists).size);
      }),
    );
  });
});
