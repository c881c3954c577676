import { encodeCbor } from '../../common/cbor/index.js';
import { isPlainObject } from '../../common/records.js';

/** Byte strings at least this large are referenced by the encoding instead of copied into it. */
const LARGE_BYTES = 64 * 1024;

/** A CBOR head (RFC 8949 §3): major type and argument, in the shortest form, as strict decoders require. */
function cborHead(major: number, argument: number): Uint8Array {
  const type = major << 5;
  if (argument < 24) return Uint8Array.of(type | argument);
  if (argument < 0x100) return Uint8Array.of(type | 24, argument);
  if (argument < 0x10000) return Uint8Array.of(type | 25, argument >>> 8, argument & 0xff);
  if (argument < 0x1_0000_0000) {
    const head = new Uint8Array(5);
    head[0] = type | 26;
    new DataView(head.buffer).setUint32(1, argument);
    return head;
  }
  const head = new Uint8Array(9);
  head[0] = type | 27;
  new DataView(head.buffer).setBigUint64(1, BigInt(argument));
  return head;
}

function entriesOf(value: unknown): [unknown, unknown][] | undefined {
  if (value instanceof Map) return [...value];
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    return undefined;
  }
  return isPlainObject(value) ? Object.entries(value) : undefined;
}

/**
 * The CBOR encoding of an input as consecutive parts, byte for byte what `encodeCbor` gives, but with the large
 * byte strings of a top-level map (e.g. a packed set's data, tens of MB) referenced instead of copied twice.
 */
export function encodeInputParts(value: unknown): Uint8Array[] {
  const entries = entriesOf(value);
  const large = (v: unknown): v is Uint8Array => v instanceof Uint8Array && v.byteLength >= LARGE_BYTES;
  if (!entries?.some(([, v]) => large(v))) return [encodeCbor(value)];
  const parts = [cborHead(5, entries.length)];
  for (const [key, v] of entries) {
    parts.push(encodeCbor(key));
    if (large(v)) parts.push(cborHead(2, v.byteLength), v);
    else parts.push(encodeCbor(v));
  }
  return parts;
}

/** Total length of `parts`. */
export function partsLength(parts: readonly Uint8Array[]): number {
  let total = 0;
  for (const part of parts) total += part.byteLength;
  return total;
}

/**
 * Cuts consecutive parts into pieces of `size` bytes (the last may be shorter; none when the parts are empty). A
 * piece inside one part is a view of it; only a piece that spans parts is copied.
 */
export function* piecesOf(parts: readonly Uint8Array[], size: number): Generator<Uint8Array> {
  let index = 0;
  let offset = 0;
  const next = (): Uint8Array | undefined => {
    while (index < parts.length && offset >= (parts[index] as Uint8Array).byteLength) {
      index++;
      offset = 0;
    }
    return parts[index];
  };
  for (let part = next(); part !== undefined; part = next()) {
    if (part.byteLength - offset >= size) {
      yield part.subarray(offset, offset + size);
      offset += size;
      continue;
    }
    const piece = new Uint8Array(size);
    let filled = 0;
    for (let current = next(); current !== undefined && filled < size; current = next()) {
      const take = Math.min(size - filled, current.byteLength - offset);
      piece.set(current.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
    }
    yield filled === size ? piece : piece.subarray(0, filled);
  }
}
