import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStrictCbor, encodeCbor } from '../../common/cbor/index.js';
import { encodeInputParts, partsLength, piecesOf } from '../../parent/client/input-plaintext.js';
import { packSetItems } from '../../protocol/set-items/index.js';

const joined = (parts: readonly Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('input plaintext parts', () => {
  it('encode exactly as encodeCbor, referencing a packed set’s data instead of copying it', () => {
    const packed = packSetItems(Array.from({ length: 20_000 }, (_, i) => `item-${i}`));
    const parts = encodeInputParts(packed);
    expect(parts).toContain(packed.data);
    expect(joined(parts)).toEqual(encodeCbor(packed));
    expect(partsLength(parts)).toBe(encodeCbor(packed).byteLength);
    expect(decodeStrictCbor(joined(parts), { maxDepth: 16 })).toEqual(
      new Map<string, unknown>([
        ['kind', 'string'],
        ['count', 20_000],
        ['data', packed.data],
      ]),
    );
  });

  it('encode any value as encodeCbor does, large byte strings in maps included (property)', () => {
    const sizes = fc.constantFrom(0, 23, 24, 255, 256, 65_535, 65_536, 70_000);
    const value = fc.oneof(
      fc.array(fc.integer()),
      fc.dictionary(
        fc.string(),
        fc.oneof(
          fc.string(),
          sizes.map((n) => new Uint8Array(n).fill(7)),
        ),
      ),
      sizes.map(
        (n) =>
          new Map<unknown, unknown>([
            [1, new Uint8Array(n)],
            ['x', 'y'],
          ]),
      ),
    );
    fc.assert(
      fc.property(value, (v) => {
        expect(joined(encodeInputParts(v))).toEqual(encodeCbor(v));
      }),
      { numRuns: 60 },
    );
  });

  it('cut parts into pieces of one size whatever the part boundaries (property)', () => {
    const parts = fc.array(
      fc
        .integer({ min: 0, max: 40 })
        .map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(parts, fc.integer({ min: 1, max: 50 }), (ps, size) => {
        const pieces = [...piecesOf(ps, size)];
        expect(joined(pieces)).toEqual(joined(ps));
        expect(pieces.slice(0, -1).every((p) => p.byteLength === size)).toBe(true);
        expect(pieces.every((p) => p.byteLength > 0)).toBe(true);
      }),
    );
  });
});
