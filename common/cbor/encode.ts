import { Encoder } from 'cbor-x';

/**
 * cbor-x's defaults suit JS round trips, not fixed formats: they tag byte strings (tag 64) and Maps (tag 259) and
 * write large integers as float64. These options give plain RFC 8949 items, as NSM, COSE and our protocol use.
 */
const encoder = new Encoder({
  useRecords: false,
  mapsAsObjects: false,
  tagUint8Array: false,
  variableMapSize: true,
  pack: false,
} as ConstructorParameters<typeof Encoder>[0]);

const MAX_UINT32 = 0xffff_ffff;

/** cbor-x writes integers beyond 32 bits as floats; bigint makes it write an 8-byte integer head instead. */
function widenIntegers(value: unknown): unknown {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && Math.abs(value) > MAX_UINT32 ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map(widenIntegers);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [widenIntegers(k), widenIntegers(v)]));
  return value;
}

/** Encodes `value` as plain CBOR: Maps as maps (definite length), byte arrays as byte strings, integers exact. */
export function encodeCbor(value: unknown): Uint8Array {
  return new Uint8Array(encoder.encode(widenIntegers(value)));
}

/**
 * Encodes a Map as an indefinite-length map (0xbf ... 0xff), as newer NSM firmware writes the attestation payload.
 */
export function encodeCborIndefiniteMap(map: ReadonlyMap<unknown, unknown>): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0xbf)];
  for (const [key, value] of map) parts.push(encodeCbor(key), encodeCbor(value));
  parts.push(Uint8Array.of(0xff));
  return new Uint8Array(Buffer.concat(parts));
}
