import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BerFormatError, berChildren, readSingleBerElement } from '../../enclave/kms/cms/ber.js';
import { definite, indefinite } from '../../simulator/kms/recipient/ber-writer.js';
import { berSkeleton } from './support/ber-skeleton.js';
import { realCiphertextForRecipient } from './support/vectors.js';

describe('BER reader', () => {
  it('frames the real KMS envelope exactly as openssl asn1parse does', () => {
    const vector = realCiphertextForRecipient();
    const skeleton = berSkeleton(vector);
    // openssl asn1parse -inform DER -i: 0 SEQUENCE inf, 1 OID, 1 [0] inf, 2 SEQUENCE inf, 3 INTEGER, 3 SET 363 ...
    expect(skeleton.slice(0, 6)).toEqual([
      '0 30 hl=2 l=inf',
      '1 6 hl=2 l=9',
      '1 a0 hl=2 l=inf',
      '2 30 hl=2 l=inf',
      '3 2 hl=2 l=1',
      '3 31 hl=4 l=363',
    ]);
    expect(skeleton.at(-1)).toBe('5 4 hl=2 l=48');
    expect(skeleton).toHaveLength(30); // the 30 non-EOC lines of asn1parse
  });

  it('refuses every truncation of the real envelope', () => {
    const vector = realCiphertextForRecipient();
    for (let length = 0; length < vector.byteLength; length++) {
      expect(() => readSingleBerElement(vector.subarray(0, length)), `prefix ${length}`).toThrow(
        BerFormatError,
      );
    }
  });

  it('refuses bytes after the element', () => {
    const vector = realCiphertextForRecipient();
    expect(() => readSingleBerElement(Buffer.concat([vector, Uint8Array.of(0)]))).toThrow(/1 bytes after/);
  });

  it('refuses an indefinite length on a primitive, a stray end-of-contents and high tag numbers', () => {
    expect(() => readSingleBerElement(Uint8Array.of(0x04, 0x80, 0x00, 0x00))).toThrow(/primitive/);
    expect(() => readSingleBerElement(Uint8Array.of(0x30, 0x80, 0x04, 0x00))).toThrow(/end-of-contents/);
    expect(() => readSingleBerElement(Uint8Array.of(0x00, 0x00))).toThrow(/end-of-contents/);
    expect(() => readSingleBerElement(Uint8Array.of(0x1f, 0x81, 0x01, 0x00))).toThrow(/high tag/);
    expect(() => readSingleBerElement(Uint8Array.of(0x04, 0x85, 1, 0, 0, 0, 0))).toThrow(/four octets/);
  });

  it('refuses nesting deeper than the limit', () => {
    let element: Uint8Array = Uint8Array.of(0x05, 0x00);
    for (let i = 0; i < 40; i++) element = indefinite(0x30, element);
    expect(() => readSingleBerElement(element)).toThrow(/nested deeper/);
  });

  // Trees of primitives and constructed elements, each written with a definite or an indefinite length.
  const tree: fc.Memo<Uint8Array> = fc.memo((depth) =>
    depth <= 1
      ? fc.uint8Array({ maxLength: 300 }).map((bytes) => definite(0x04, bytes))
      : fc
          .tuple(fc.boolean(), fc.array(tree(depth - 1), { maxLength: 4 }))
          .map(([open, children]) => (open ? indefinite(0x30, ...children) : definite(0x30, ...children))),
  );

  it('reads back any tree the writer writes, child by child', () => {
    fc.assert(
      fc.property(tree(4), (bytes) => {
        const element = readSingleBerElement(bytes);
        expect(element.end).toBe(bytes.byteLength);
        // Children tile their parent's contents exactly.
        const children = berChildren(bytes, element);
        let position = element.contentStart;
        for (const child of children) {
          expect(child.start).toBe(position);
          position = child.end;
        }
        expect(position).toBe(element.contentEnd);
      }),
    );
  });

  it('throws only BerFormatError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          readSingleBerElement(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(BerFormatError);
        }
      }),
    );
  });
});
