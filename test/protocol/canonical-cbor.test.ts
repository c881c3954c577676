import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CanonicalCborError,
  CborFormatError,
  decodeCanonicalCbor,
  encodeCanonicalCbor,
  encodeCbor,
  isCanonicalCbor,
} from '../../common/cbor/index.js';

const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('canonical CBOR (RFC 8949 §4.2.1)', () => {
  // RFC 8949 Appendix A, every example without floats, tags or indefinite lengths.
  const vectors: [unknown, string][] = [
    [0, '00'],
    [1, '01'],
    [10, '0a'],
    [23, '17'],
    [24, '1818'],
    [25, '1819'],
    [100, '1864'],
    [1000, '1903e8'],
    [1000000, '1a000f4240'],
    [1000000000000, '1b000000e8d4a51000'],
    [18446744073709551615n, '1bffffffffffffffff'],
    [-18446744073709551616n, '3bffffffffffffffff'],
    [-1, '20'],
    [-10, '29'],
    [-100, '3863'],
    [-1000, '3903e7'],
    [false, 'f4'],
    [true, 'f5'],
    [null, 'f6'],
    [new Uint8Array(0), '40'],
    [hex('01020304'), '4401020304'],
    ['', '60'],
    ['a', '6161'],
    ['IETF', '6449455446'],
    ['"\\', '62225c'],
    ['\u00fc', '62c3bc'],
    ['\u6c34', '63e6b0b4'],
    ['\ud800\udd51', '64f0908591'],
    [[], '80'],
    [[1, 2, 3], '83010203'],
    [[1, [2, 3], [4, 5]], '8301820203820405'],
    [
      Array.from({ length: 25 }, (_, i) => i + 1),
      '98190102030405060708090a0b0c0d0e0f101112131415161718181819',
    ],
    [{}, 'a0'],
    [
      new Map([
        [1, 2],
        [3, 4],
      ]),
      'a201020304',
    ],
    [{ a: 1, b: [2, 3] }, 'a26161016162820203'],
    [['a', { b: 'c' }], '826161a161626163'],
    [{ a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' }, 'a56161614161626142616361436164614461656145'],
  ];
  for (const [value, expected] of vectors) {
    it(`encodes ${expected}`, () => {
      expect(toHex(encodeCanonicalCbor(value))).toBe(expected);
      expect(isCanonicalCbor(hex(expected))).toBe(true);
    });
  }

  it('sorts map keys by their encoded bytes (the RFC 8949 §4.2.1 example order)', () => {
    const map = new Map<unknown, unknown>([
      [false, 8],
      [[-1], 7],
      [[100], 6],
      ['aa', 5],
      ['z', 4],
      [-1, 3],
      [100, 2],
      [10, 1],
    ]);
    expect(toHex(encodeCanonicalCbor(map))).toBe('a80a011864022003617a046261610581186406812007f408');
    expect(toHex(encodeCanonicalCbor({ b: 1, a: 2, aa: 3 }))).toBe('a3616102616201626161' + '03');
  });

  it('does not depend on property insertion order, and leaves undefined properties out', () => {
    expect(encodeCanonicalCbor({ x: 1, y: 2 })).toEqual(encodeCanonicalCbor({ y: 2, x: 1 }));
    expect(encodeCanonicalCbor({ x: 1, y: undefined })).toEqual(encodeCanonicalCbor({ x: 1 }));
  });

  it('encodes objects of a kind it has seen as it encoded the first (key layouts are remembered)', () => {
    // The same keys again, in other orders, with a key made undefined, with an empty name, with long names that
    // are not remembered, and past the bound on remembered layouts: each must match the Map form's encoding.
    const asMap = (o: Record<string, unknown>) =>
      encodeCanonicalCbor(new Map(Object.entries(o).filter(([, v]) => v !== undefined)));
    const long = 'k'.repeat(65);
    const cases: Record<string, unknown>[] = [
      { b: 1, a: 2 },
      { a: 2, b: 1 },
      { b: 3, a: undefined },
      { '': 0 },
      {},
      { [long]: 1, a: 2 },
      { a: 2, [long]: 1 },
      ...Array.from({ length: 5000 }, (_, i) => ({ [`f${i}`]: i, a: i })),
      { b: 1, a: 2 },
    ];
    for (const value of cases) expect(toHex(encodeCanonicalCbor(value))).toBe(toHex(asMap(value)));
  });

  it('refuses floats, values without an encoding and duplicate keys', () => {
    for (const value of [
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 53,
      undefined,
      Symbol('s'),
      new Date(),
    ]) {
      expect(() => encodeCanonicalCbor(value)).toThrow(CanonicalCborError);
    }
    expect(() => encodeCanonicalCbor(1n << 64n)).toThrow(CanonicalCborError);
    expect(() =>
      encodeCanonicalCbor(
        new Map<unknown, number>([
          [new Uint8Array([1]), 1],
          [new Uint8Array([1]), 2],
        ]),
      ),
    ).toThrow(/duplicate/);
  });

  const nonCanonical: [string, string][] = [
    ['a long head for a small integer', '1801'],
    ['an 8-byte head for a small integer', '1b0000000000000001'],
    ['a float holding an integer', 'f93c00'],
    ['a float', 'fb3ff8000000000000'],
    ['unsorted map keys', 'a2616201616102'],
    ['a longer key before a shorter one', 'a2626161016162 02'],
    ['an indefinite-length array', '9f0102ff'],
    ['an indefinite-length byte string', '5f42010243030405ff'],
    ['an indefinite-length map', 'bf616101ff'],
    ['a long length for a short string', '780161'],
  ];
  for (const [what, bytes] of nonCanonical) {
    it(`refuses ${what}`, () => {
      expect(isCanonicalCbor(hex(bytes))).toBe(false);
      expect(() => decodeCanonicalCbor(hex(bytes))).toThrow(CborFormatError);
    });
  }

  it('refuses malformed input as the strict decoder does', () => {
    expect(isCanonicalCbor(hex('a2 01 01 01 02'))).toBe(false);
    expect(isCanonicalCbor(hex('01 02'))).toBe(false);
    expect(isCanonicalCbor(new Uint8Array(0))).toBe(false);
  });

  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    item: fc.oneof(
      { depthSize: 'small' },
      fc.integer(),
      fc.maxSafeInteger(),
      fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }),
      fc.string(),
      fc.uint8Array({ maxLength: 40 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('item'), { maxLength: 5 }),
      fc.dictionary(fc.string({ maxLength: 6 }), tie('item'), { maxKeys: 5 }),
    ),
  })).item;

  it('round-trips: canonical bytes decode and re-encode to themselves', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeCanonicalCbor(v);
        expect(isCanonicalCbor(bytes)).toBe(true);
        expect(toHex(encodeCanonicalCbor(decodeCanonicalCbor(bytes)))).toBe(toHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  // An independent encoder as the oracle: cbor-x writes shortest heads and definite lengths, so with map entries
  // put in order of their encoded keys by hand it must give the same bytes as the canonical encoder.
  const plain: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    item: fc.oneof(
      { depthSize: 'small' },
      fc.maxSafeInteger(),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.string({ maxLength: 30 }),
      fc.uint8Array({ maxLength: 600 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('item'), { maxLength: 40 }),
      fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 70 }), tie('item'), { maxKeys: 8 }),
    ),
  })).item;
  const sortedForOracle = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortedForOracle);
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
    const entries = Object.entries(value).map(([k, v]) => [encodeCbor(k), k, sortedForOracle(v)] as const);
    entries.sort((a, b) => Buffer.compare(a[0], b[0]));
    return new Map(entries.map(([, k, v]) => [k, v]));
  };

  it('gives the bytes an independent encoder gives with map keys sorted by hand', () => {
    fc.assert(
      fc.property(plain, (v) => {
        expect(toHex(encodeCanonicalCbor(v))).toBe(toHex(encodeCbor(sortedForOracle(v))));
      }),
      { numRuns: 500 },
    );
  });
});
