import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStrictCbor, encodeCbor } from '../../common/cbor/index.js';
import { psiFunction, setOverlapFunction } from '../../enclave/functions/index.js';
import { intersectColumns, overlapColumns } from '../../enclave/functions/support/set-intersection.js';
import {
  type PackedSetItems,
  packSetItems,
  parsePackedSetItems,
  unpackSetItems,
} from '../../protocol/set-items/index.js';
import { codeOf, run } from './support.js';

const SEEDS = Int32Array.of(3, 5, 7, 11);

function naiveIntersection(lists: readonly (readonly string[])[]): Set<string> {
  const [first = [], ...rest] = lists;
  const sets = rest.map((list) => new Set(list));
  return new Set(first.filter((item) => sets.every((set) => set.has(item))));
}

/** As the enclave receives it: CBOR-encoded by the party, strictly decoded (a Map) by the session. */
function overTheWire(packed: PackedSetItems): unknown {
  return decodeStrictCbor(encodeCbor(packed), { maxDepth: 16 });
}

function packedWith(data: number[], count: number, kind: 'string' | 'bytes' = 'string'): PackedSetItems {
  return { kind, count, data: Uint8Array.from(data) };
}

// Well-formed strings only (lone surrogates are refused by packing): ASCII, BMP and astral code points.
const item = fc.string({ unit: fc.constantFrom('a', 'b', 'é', '€', '😀', '\u0000'), maxLength: 4 });
const lists = fc.array(fc.array(item, { maxLength: 30 }), { minLength: 1, maxLength: 4 });

describe('packed set items', () => {
  it('round-trips strings and bytes, long items with two-byte prefixes included', () => {
    const strings = ['', 'a', 'é€😀', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(1024)];
    const packed = packSetItems(strings);
    expect(parsePackedSetItems(overTheWire(packed))).toEqual({ ok: true, value: packed });
    expect(unpackSetItems(packed)).toEqual(strings);
    const bytes = [Uint8Array.of(), Uint8Array.of(0xff, 0), new Uint8Array(1024).fill(7)];
    const packedBytes = packSetItems(bytes, 'bytes');
    expect(parsePackedSetItems(packedBytes).ok).toBe(true);
    expect(unpackSetItems(packedBytes)).toEqual(bytes);
  });

  it('packs ASCII items (one native join) byte for byte as the general path does (property)', () => {
    const encoder = new TextEncoder();
    const reference = (items: readonly string[]) =>
      new Uint8Array(
        Buffer.concat(
          items.flatMap((s) => {
            const bytes = encoder.encode(s);
            const n = bytes.byteLength;
            return [n < 0x80 ? Uint8Array.of(n) : Uint8Array.of((n & 0x7f) | 0x80, n >>> 7), bytes];
          }),
        ),
      );
    const ascii = fc.string({ unit: fc.constantFrom('a', '\u0000', '\u007f', 'Z'), maxLength: 130 });
    const any = fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\u0080'), maxLength: 5 });
    fc.assert(
      fc.property(fc.array(fc.oneof(ascii, ascii, any), { maxLength: 20 }), (items) => {
        // Built by concatenation, as a party's code often builds them (V8 keeps such strings as ropes).
        const built = items.map((s) => `${s.slice(0, 2)}${s.slice(2)}`);
        const packed = packSetItems(built);
        expect(packed.data).toEqual(reference(items));
        expect(unpackSetItems(packed)).toEqual(items);
      }),
    );
  });

  it('refuses lone surrogates, oversized items and mixed kinds when packing', () => {
    expect(() => packSetItems(['ok', '\uD800'])).toThrow(/surrogate/);
    expect(() => packSetItems(['\uDC00x'])).toThrow(/surrogate/);
    expect(() => packSetItems(['€'.repeat(342)])).toThrow(/1024/); // 342 units, 1026 bytes
    expect(() => packSetItems(['a', Uint8Array.of(1)] as unknown as string[])).toThrow(/string/);
    expect(packSetItems(['😀']).data).toEqual(Uint8Array.from([4, 0xf0, 0x9f, 0x98, 0x80]));
  });

  it('refuses malformed framing', () => {
    const refused = (value: unknown) => parsePackedSetItems(value).ok;
    expect(refused(packedWith([1, 0x61], 2))).toBe(false); // count too high
    expect(refused(packedWith([1, 0x61, 0], 1))).toBe(false); // trailing bytes
    expect(refused(packedWith([3, 0x61], 1))).toBe(false); // item runs past the end
    expect(refused(packedWith([0x81, 0x00, 0x61], 1))).toBe(false); // non-minimal prefix
    expect(refused(packedWith([0x81, 0x08, ...new Array<number>(1025).fill(0x61)], 1))).toBe(false); // > 1024
    expect(refused(packedWith([0x80], 1))).toBe(false); // prefix cut short
    expect(refused(packedWith([2, 0xc3, 0x28], 1))).toBe(false); // invalid UTF-8
    expect(refused(packedWith([3, 0xed, 0xa0, 0x80], 1))).toBe(false); // an encoded surrogate
    expect(refused(packedWith([2, 0xc3, 0x28], 1, 'bytes'))).toBe(true); // any bytes are fine as bytes
    expect(refused({ kind: 'string', count: 0, data: new Uint8Array(), extra: 1 })).toBe(false);
    expect(refused({ kind: 'text', count: 0, data: new Uint8Array() })).toBe(false);
    expect(refused({ kind: 'string', count: -1, data: new Uint8Array() })).toBe(false);
    expect(refused({ kind: 'string', count: 0, data: [] })).toBe(false);
    expect(
      refused(
        new Map<string, unknown>([
          ['kind', 'string'],
          ['count', 0],
          ['data', new Uint8Array()],
        ]),
      ),
    ).toBe(true);
  });

  it('gives FUNCTION_INPUT_INVALID for malformed or wrong-kind packed input', async () => {
    const trailing = packedWith([1, 0x61, 0], 1);
    expect(await codeOf(run(psiFunction, { itemKind: 'string' }, { a: trailing }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    const bytes = packSetItems([Uint8Array.of(1)], 'bytes');
    expect(await codeOf(run(psiFunction, { itemKind: 'string' }, { a: bytes, b: ['x'] }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
  });

  it('psi: packed, list, mixed and naive agree, members sorted as strings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(lists, fc.boolean(), async (sets, mixed) => {
        const expected = [...naiveIntersection(sets)].sort();
        const packed = Object.fromEntries(
          sets.map((items, i) => [`p${i}`, mixed && i % 2 === 1 ? items : overTheWire(packSetItems(items))]),
        );
        const list = Object.fromEntries(sets.map((items, i) => [`p${i}`, items]));
        const fromPacked = await run(psiFunction, { itemKind: 'string' }, packed);
        expect(fromPacked).toEqual({ cardinality: expected.length, members: expected });
        expect(await run(psiFunction, { itemKind: 'string' }, list)).toEqual(fromPacked);
      }),
    );
  });

  it('set-overlap: packed equals naive Sets (property)', async () => {
    await fc.assert(
      fc.asyncProperty(lists, async (sets) => {
        const inputs = Object.fromEntries(
          sets.map((items, i) => [`p${i}`, overTheWire(packSetItems(items))]),
        );
        const result = await run(setOverlapFunction, { itemKind: 'string' }, inputs);
        expect(result.unionCardinality).toBe(new Set(sets.flat()).size);
        expect(result.intersectionCardinality).toBe(naiveIntersection(sets).size);
      }),
    );
  });

  it('stays exact under forced hash collisions, for strings and bytes (property)', () => {
    fc.assert(
      fc.property(lists, fc.constantFrom(0, 0x1, 0xf), (sets, mask) => {
        const packed = sets.map((items) => packSetItems(items));
        const expected = naiveIntersection(sets);
        const { cardinality, members } = intersectColumns(packed, SEEDS, true, { placementMask: mask });
        expect(cardinality).toBe(expected.size);
        expect(new Set(members)).toEqual(expected);
        expect(overlapColumns(packed, SEEDS, { placementMask: mask })).toEqual({
          union: new Set(sets.flat()).size,
          intersection: expected.size,
        });
        const encoder = new TextEncoder();
        const bytes = sets.map((items) =>
          packSetItems(
            items.map((s) => encoder.encode(s)),
            'bytes',
          ),
        );
        expect(intersectColumns(bytes, SEEDS, false, { placementMask: mask }).cardinality).toBe(
          expected.size,
        );
      }),
    );
  });

  it('returns byte members sorted and copied out of the input buffer', async () => {
    const a = packSetItems([Uint8Array.of(2), Uint8Array.of(1, 2), Uint8Array.of(9)], 'bytes');
    const b = packSetItems([Uint8Array.of(1, 2), Uint8Array.of(2)], 'bytes');
    const result = await run(psiFunction, { itemKind: 'bytes' }, { a, b });
    expect(result).toEqual({ cardinality: 2, members: [Uint8Array.of(1, 2), Uint8Array.of(2)] });
    a.data.fill(0);
    expect(result.members).toEqual([Uint8Array.of(1, 2), Uint8Array.of(2)]);
  });

  it('decodes a 20+ MB packed set from CBOR as one byte string, its data a view of the plaintext', () => {
    const items = Array.from({ length: 1 << 20 }, (_, i) => `user-${i.toString(16).padStart(8, '0')}@x.org`);
    const wire = encodeCbor(packSetItems(items));
    expect(wire.byteLength).toBeGreaterThan(20 << 20);
    // Speed is the PSI benchmark's business (no timed assertions here); the structure is what makes it cheap.
    const checked = parsePackedSetItems(decodeStrictCbor(wire, { maxDepth: 16 }));
    expect(checked.ok && checked.value.data.buffer).toBe(wire.buffer);
    expect(checked.ok && checked.value.count).toBe(1 << 20);
  });
});
