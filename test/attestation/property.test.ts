import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AttestationError,
  CertificateCache,
  verifyAttestationDocument,
  verifyAttestationDocumentSync,
} from '../../attestation/index.js';
import { encodeCbor } from '../../common/cbor/index.js';
import { readVector, validVectors } from '../helpers/vectors.js';

const documents = validVectors.map((v) => ({ vector: v, bytes: readVector(v.file) }));
// One cache for the whole file: unchanged certificates are then parsed once, which keeps the sweep fast while
// every changed certificate is parsed and verified afresh.
const cache = new CertificateCache({ maxEntries: 4096 });

/** The verifier's verdict: 'VALID' or the error code. Anything but an AttestationError fails the test. */
function verdict(bytes: Uint8Array, at: number | 'document' = 'document'): string {
  try {
    verifyAttestationDocumentSync(bytes, { at, allowDebug: true, cache });
    return 'VALID';
  } catch (error) {
    if (!(error instanceof AttestationError)) throw error;
    return error.code;
  }
}

function withByte(bytes: Uint8Array, index: number, value: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[index] = value;
  return copy;
}

describe('attestation verifier properties', () => {
  it('accepts the unmodified real documents', () => {
    for (const { bytes } of documents) expect(verdict(bytes)).toBe('VALID');
  });

  it('refuses any single-byte change anywhere in a real document (random positions and values)', () => {
    const doc = fc.constantFrom(...documents);
    const change = doc.chain(({ bytes }) =>
      fc.record({
        bytes: fc.constant(bytes),
        index: fc.nat({ max: bytes.length - 1 }),
        value: fc.integer({ min: 0, max: 255 }),
      }),
    );
    fc.assert(
      fc.property(
        change.filter(({ bytes, index, value }) => bytes[index] !== value),
        ({ bytes, index, value }) => {
          expect(verdict(withByte(bytes, index, value))).not.toBe('VALID');
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('refuses every single-byte change of one real document (exhaustive, one flipped bit per byte)', () => {
    const { bytes } = documents[1] ?? documents[0] ?? { bytes: new Uint8Array() };
    const accepted: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      if (verdict(withByte(bytes, i, (bytes[i] ?? 0) ^ 0x80)) === 'VALID') accepted.push(i);
    }
    expect(accepted).toEqual([]);
  });

  it('never throws anything but AttestationError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(verdict(bytes, Date.now())).not.toBe('VALID');
      }),
      { numRuns: 2000 },
    );
  });

  it('the async API rejects only with AttestationError, and agrees with the sync one on changed documents', async () => {
    const change = fc.record({
      doc: fc.constantFrom(...documents),
      index: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    });
    await fc.assert(
      fc.asyncProperty(change, async ({ doc, index, value }) => {
        const at = index % doc.bytes.length;
        const bytes = doc.bytes[at] === value ? doc.bytes : withByte(doc.bytes, at, value);
        const sync = verdict(bytes);
        const async = await verifyAttestationDocument(bytes, {
          at: 'document',
          allowDebug: true,
          cache,
        }).then(
          () => 'VALID',
          (error: unknown) => {
            if (!(error instanceof AttestationError)) throw error;
            return error.code;
          },
        );
        expect(async).toBe(sync);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but AttestationError on arbitrary CBOR, truncations and extensions of real documents', () => {
    const cbor = fc
      .anything({ maxDepth: 3, withMap: true, withTypedArray: false, withBigInt: true })
      .map((v) => {
        try {
          return encodeCbor(v);
        } catch {
          return new Uint8Array([0xf6]);
        }
      });
    const cut = fc
      .record({
        doc: fc.constantFrom(...documents),
        at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      })
      .map(({ doc, at }) => doc.bytes.subarray(0, Math.floor(doc.bytes.length * at)));
    const extended = fc
      .record({ doc: fc.constantFrom(...documents), tail: fc.uint8Array({ minLength: 1, maxLength: 8 }) })
      .map(({ doc, tail }) => new Uint8Array([...doc.bytes, ...tail]));
    const coseOfAnything = fc
      .tuple(fc.anything({ maxDepth: 2, withMap: true }), fc.anything({ maxDepth: 2, withMap: true }))
      .map(([payload, header]) => {
        try {
          return encodeCbor([
            new Uint8Array([0xa1, 0x01, 0x38, 0x22]),
            header,
            encodeCbor(payload),
            new Uint8Array(96),
          ]);
        } catch {
          return new Uint8Array([0x80]);
        }
      });
    fc.assert(
      fc.property(fc.oneof(cbor, cut, extended, coseOfAnything), (bytes) => {
        expect(verdict(bytes)).not.toBe('VALID');
      }),
      { numRuns: 1500 },
    );
  });
});
