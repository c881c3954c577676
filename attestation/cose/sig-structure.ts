/**
 * The bytes a COSE_Sign1 signature covers (RFC 9052 §4.4):
 * `["Signature1", body_protected, external_aad, payload]`, deterministically encoded.
 * Written out by hand because the exact bytes matter and the shape is fixed.
 */

const CONTEXT = new TextEncoder().encode('Signature1');

function head(major: number, length: number): Uint8Array {
  const m = major << 5;
  if (length < 24) return Uint8Array.of(m | length);
  if (length < 0x100) return Uint8Array.of(m | 24, length);
  if (length < 0x10000) return Uint8Array.of(m | 25, length >> 8, length & 0xff);
  return Uint8Array.of(m | 26, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}

export function sigStructure(
  protectedBytes: Uint8Array,
  externalAad: Uint8Array,
  payload: Uint8Array,
): Buffer {
  return Buffer.concat([
    head(4, 4),
    head(3, CONTEXT.length),
    CONTEXT,
    head(2, protectedBytes.length),
    protectedBytes,
    head(2, externalAad.length),
    externalAad,
    head(2, payload.length),
    payload,
  ]);
}
