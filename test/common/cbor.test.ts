import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertWellFormedCbor,
  CborFormatError,
  decodeStrictCbor,
  encodeCbor,
  encodeCborIndefiniteMap,
} from '../../common/cbor/index.js';

const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

function refusal(bytes: Uint8Array, options = {}): string {
  try {
    assertWellFormedCbor(bytes, options);
    return 'ACCEPTED';
  } catch (error) {
    expect(error).toBeInstanceOf(CborFormatError);
    return (error as Error).message;
  }
}

describe('strict CBOR', () => {
  it('accepts well-formed items, definite and indefinite', () => {
    for (const item of [
      '00',
      '1b ffffffffffffffff',
      '3903e7',
      '4401020304',
      '5f 42 0102 41 03 ff',
      '7f 61 61 62 6263 ff',
      '83 01 02 03',
      '9f 01 9f ff ff',
      'a2 01 02 03 04',
      'bf 61 61 01 61 62 02 ff',
      'f4',
      'f5',
      'f6',
      'fb 3ff8000000000000',
    ]) {
      expect(refusal(hex(item))).toBe('ACCEPTED');
    }
  });

  const refused: [string, string, RegExp][] = [
    ['empty input', '', /empty/],
    ['trailing bytes', '01 02', /trailing/],
    ['a truncated head', '19 01', /end of input/],
    ['a truncated string', '43 0102', /past the end/],
    ['reserved additional information', '1c', /reserved/],
    ['an indefinite-length integer', '1f', /indefinite/],
    ['a lone break', 'ff', /break/],
    ['a chunk of another type in an indefinite byte string', '5f 61 61 ff', /another type/],
    ['a nested indefinite chunk', '5f 5f ff ff', /another type/],
    ['invalid UTF-8 text', '62 c328', /UTF-8/],
    ['duplicate integer keys', 'a2 01 01 01 02', /duplicate/],
    ['duplicate keys encoded differently', 'a2 01 01 1801 02', /duplicate/],
    ['duplicate text keys in an indefinite map', 'bf 61 61 01 61 61 02 ff', /duplicate/],
    ['an unterminated indefinite array', '9f 01 02', /end of input/],
    ['an unknown tag', 'c1 1a 5f5e1000', /tag 1/],
    ['undefined', 'f7', /undefined/],
    ['an unassigned simple value', 'f0', /simple/],
    ['a length beyond the input', '5b 00000001 00000000', /exceeds/],
    ['an array claiming more items than bytes', '9a ffffffff 00', /exceeds the input/],
  ];
  for (const [what, bytes, message] of refused) {
    it(`refuses ${what}`, () => {
      expect(refusal(hex(bytes))).toMatch(message);
    });
  }

  it('bounds nesting depth', () => {
    const deep = new Uint8Array(40).fill(0x81);
    const bytes = new Uint8Array([...deep, 0x00]);
    expect(refusal(bytes)).toMatch(/nesting deeper than 32/);
    expect(refusal(bytes, { maxDepth: 64 })).toBe('ACCEPTED');
    const hostile = new Uint8Array(100_000).fill(0x9f);
    expect(refusal(hostile)).toMatch(/nesting/);
  });

  it('allows only the tags the caller names', () => {
    expect(refusal(hex('d2 80'))).toMatch(/tag 18/);
    expect(refusal(hex('d2 80'), { allowedTags: [18] })).toBe('ACCEPTED');
  });

  it('decodes maps as Maps with their key types, and 8-byte integers exactly', () => {
    const value = decodeStrictCbor(hex('a2 01 62 6869 61 61 1b 0000018aa8d1692c')) as Map<unknown, unknown>;
    expect(value).toBeInstanceOf(Map);
    expect(value.get(1)).toBe('hi');
    expect(value.get('a')).toBe(1695049410860n);
  });

  it('encodes plain items: byte strings untagged, Maps untagged, large integers as integers', () => {
    expect(Buffer.from(encodeCbor(new Uint8Array([1, 2]))).toString('hex')).toBe('420102');
    expect(Buffer.from(encodeCbor(new Map([[1, -35]]))).toString('hex')).toBe('a1013822');
    expect(Buffer.from(encodeCbor(1695049410860)).toString('hex')).toBe('1b0000018aa8d1692c');
    expect(Buffer.from(encodeCborIndefiniteMap(new Map([['a', 1]]))).toString('hex')).toBe('bf616101ff');
  });

  it('round-trips what it encodes, and never throws anything but CborFormatError on arbitrary bytes', () => {
    const value = fc.letrec((tie) => ({
      item: fc.oneof(
        { depthSize: 'small' },
        fc.integer(),
        fc.string(),
        fc.uint8Array({ maxLength: 16 }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('item'), { maxLength: 4 }),
      ),
    })).item;
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeCbor(v);
        expect(refusal(bytes)).toBe('ACCEPTED');
        expect(Buffer.from(encodeCbor(decodeStrictCbor(bytes))).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        refusal(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});
