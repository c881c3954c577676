import { describe, expect, it } from 'vitest';
import { encodeCanonicalCbor } from '../../common/cbor/index.js';
import { isPlainObject, newRecord } from '../../common/records.js';
import { decodeProtocolValue, encodeProtocolValue } from '../../protocol/codec/canonical.js';
import { cborToPlain } from '../../protocol/codec/index.js';

describe('records decoded from CBOR maps', () => {
  it('inherit nothing: no Object.prototype members, and `__proto__` is only ever a refused key', () => {
    const record = cborToPlain(new Map<string, unknown>([['a', 1]])) as Record<string, unknown>;
    expect(record['a']).toBe(1);
    for (const inherited of ['toString', 'hasOwnProperty', 'constructor', 'valueOf', '__proto__']) {
      expect(inherited in record).toBe(false);
    }
    expect(Object.getPrototypeOf(Object.getPrototypeOf(record))).toBeNull();
    expect(() => cborToPlain(new Map([['constructor', 1]]))).toThrow(TypeError);
  });

  it('count as plain objects wherever values are encoded, and round-trip through canonical CBOR', () => {
    const record = newRecord();
    record['b'] = 2;
    record['a'] = new Uint8Array([1]);
    expect(isPlainObject(record)).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(new (class Point {})())).toBe(false);
    expect(isPlainObject(new Map())).toBe(false);
    expect(Buffer.from(encodeCanonicalCbor(record))).toEqual(
      Buffer.from(encodeCanonicalCbor({ a: new Uint8Array([1]), b: 2 })),
    );
    const bytes = encodeProtocolValue({ x: { y: [1, 'z'] } });
    const decoded = decodeProtocolValue(bytes, 'test value', 'MESSAGE_INVALID');
    expect(Buffer.from(encodeProtocolValue(decoded))).toEqual(Buffer.from(bytes));
  });
});
