/** Byte helpers shared by every part. Inputs from outside are checked; nothing here allocates more than it returns. */

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** True when `text` is an even-length hexadecimal string (empty allowed). */
export function isHex(text: string): boolean {
  return HEX_RE.test(text);
}

/** Decodes hex; throws a plain `TypeError` on malformed text (callers wrap it in their own typed error). */
export function hexToBytes(text: string): Uint8Array {
  const clean = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (!isHex(clean)) throw new TypeError('not an even-length hexadecimal string');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/**
 * `bytes` if it spans its whole buffer, else a copy that does (a plain Uint8Array: a Buffer's `slice` is a view).
 * Posting a view to another thread clones its entire buffer, and transferring one detaches what shares it.
 */
export function withOwnBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : new Uint8Array(bytes);
}

/** A view of `bytes` as a Buffer without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
