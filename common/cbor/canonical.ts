/**
 * Deterministic CBOR (RFC 8949 §4.2.1, "core deterministic encoding") for bytes that are hashed or signed:
 * definite lengths only, shortest heads, map keys sorted by the bytewise order of their encodings.
 *
 * Decision on floats: refused. Nothing nitro-mpc hashes or signs needs them, and refusing them removes the
 * float-width and NaN questions of §4.2.2 entirely. A number must be a safe integer (or a bigint within 64 bits).
 *
 * Value model: safe-integer numbers, bigints, strings, booleans, null, Uint8Array (byte strings), arrays, Maps
 * and plain objects (maps with text keys). A plain object's properties whose value is `undefined` are left out,
 * so that an absent optional field and `undefined` encode the same. Anything else (floats, symbols, functions,
 * class instances, tags) is refused with `CanonicalCborError`.
 */
import { CborDecoderLimitError, decodeStrictCbor } from './decode.js';
import { CborFormatError, type WellFormedOptions } from './well-formed.js';

/** Why a value cannot be encoded deterministically (a programming error on the encoding side). */
export class CanonicalCborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalCborError';
  }
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_DEPTH = 64;
const utf8 = new TextEncoder();

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.byteLength;
  }

  /** A head with major type `major` and argument `value`, in the shortest form (§4.2.1). */
  head(major: number, value: bigint | number): void {
    const n = BigInt(value);
    const mt = major << 5;
    if (n < 24n) this.push(Uint8Array.of(mt | Number(n)));
    else if (n <= 0xffn) this.push(Uint8Array.of(mt | 24, Number(n)));
    else if (n <= 0xffffn) {
      const b = new Uint8Array(3);
      b[0] = mt | 25;
      new DataView(b.buffer).setUint16(1, Number(n));
      this.push(b);
    } else if (n <= 0xffff_ffffn) {
      const b = new Uint8Array(5);
      b[0] = mt | 26;
      new DataView(b.buffer).setUint32(1, Number(n));
      this.push(b);
    } else {
      const b = new Uint8Array(9);
      b[0] = mt | 27;
      new DataView(b.buffer).setBigUint64(1, n);
      this.push(b);
    }
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.byteLength - b.byteLength;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function writeInteger(w: Writer, n: bigint): void {
  if (n >= 0n) {
    if (n > MAX_UINT64) throw new CanonicalCborError('integer does not fit in 64 bits');
    w.head(0, n);
  } else {
    const m = -1n - n;
    if (m > MAX_UINT64) throw new CanonicalCborError('integer does not fit in 64 bits');
    w.head(1, m);
  }
}

function writeMap(w: Writer, entries: Iterable<readonly [unknown, unknown]>, depth: number): void {
  const encoded: [Uint8Array, Uint8Array][] = [];
  for (const [k, v] of entries) encoded.push([encodeItem(k, depth + 1), encodeItem(v, depth + 1)]);
  encoded.sort((a, b) => compareBytes(a[0], b[0]));
  for (let i = 1; i < encoded.length; i++) {
    const prev = encoded[i - 1];
    const cur = encoded[i];
    if (prev && cur && compareBytes(prev[0], cur[0]) === 0) throw new CanonicalCborError('duplicate map key');
  }
  w.head(5, encoded.length);
  for (const [k, v] of encoded) {
    w.push(k);
    w.push(v);
  }
}

function write(w: Writer, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new CanonicalCborError(`nesting deeper than ${MAX_DEPTH}`);
  switch (typeof value) {
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalCborError('only safe integers are encoded: floats are refused in canonical CBOR');
      }
      writeInteger(w, BigInt(value));
      return;
    case 'bigint':
      writeInteger(w, value);
      return;
    case 'string': {
      const bytes = utf8.encode(value);
      w.head(3, bytes.byteLength);
      w.push(bytes);
      return;
    }
    case 'boolean':
      w.push(Uint8Array.of(value ? 0xf5 : 0xf4));
      return;
    case 'object':
      break;
    default:
      throw new CanonicalCborError(`a ${typeof value} has no canonical CBOR encoding`);
  }
  if (value === null) {
    w.push(Uint8Array.of(0xf6));
  } else if (value instanceof Uint8Array) {
    w.head(2, value.byteLength);
    w.push(new Uint8Array(value));
  } else if (Array.isArray(value)) {
    w.head(4, value.length);
    for (const item of value) write(w, item, depth + 1);
  } else if (value instanceof Map) {
    writeMap(w, value, depth);
  } else if (isPlainObject(value)) {
    writeMap(
      w,
      Object.entries(value).filter(([, v]) => v !== undefined),
      depth,
    );
  } else {
    throw new CanonicalCborError('only plain objects, Maps, arrays and Uint8Arrays are encoded');
  }
}

function encodeItem(value: unknown, depth: number): Uint8Array {
  const w = new Writer();
  write(w, value, depth);
  return w.bytes();
}

/** Encodes `value` deterministically (RFC 8949 §4.2.1). Throws `CanonicalCborError` for unencodable values. */
export function encodeCanonicalCbor(value: unknown): Uint8Array {
  return encodeItem(value, 0);
}

/**
 * Decodes `bytes` (strict: well-formed, no duplicate keys, no tags, no trailing bytes) and checks that they are
 * the canonical encoding of what they hold: re-encoding must give the same bytes. Maps come back as `Map`s.
 * Throws `CborFormatError` for malformed or non-canonical input.
 */
export function decodeCanonicalCbor(bytes: Uint8Array, options?: WellFormedOptions): unknown {
  let value: unknown;
  try {
    value = decodeStrictCbor(bytes, options);
  } catch (error) {
    if (error instanceof CborFormatError && !(error instanceof CborDecoderLimitError)) throw error;
    // Well-formed, but using a feature the decoder (and our profile) does not take, e.g. indefinite-length strings.
    const why = error instanceof Error ? error.message : 'undecodable item';
    throw new CborFormatError(`not canonical CBOR: ${why}`, 0);
  }
  let again: Uint8Array;
  try {
    again = encodeCanonicalCbor(value);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'unencodable value';
    throw new CborFormatError(`not canonical CBOR: ${why}`, 0);
  }
  const diff = firstDifference(bytes, again);
  if (diff >= 0) throw new CborFormatError('not canonical CBOR (RFC 8949 §4.2.1)', diff);
  return value;
}

/** True when `bytes` are exactly the canonical encoding of the item they hold. Never throws. */
export function isCanonicalCbor(bytes: Uint8Array, options?: WellFormedOptions): boolean {
  try {
    decodeCanonicalCbor(bytes, options);
    return true;
  } catch {
    return false;
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.byteLength === b.byteLength ? -1 : n;
}
