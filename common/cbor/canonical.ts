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

import { isPlainObject } from '../records.js';
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
const TWO_32 = 0x1_0000_0000;
const utf8 = new TextEncoder();

/**
 * One growing buffer for the whole item: this encoder runs several times per request on the enclave's hot path
 * (signature input, commitments, bindings), so heads are written with number arithmetic and nothing is copied
 * twice.
 */
class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;
  /** The furthest any write reached since the last wipe (a rewound key's bytes lie past `length`). */
  private highWater = 0;

  private reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf.fill(0, 0, Math.max(this.highWater, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  push(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength);
    this.buf.set(bytes, this.length);
    this.length += bytes.byteLength;
  }

  /** A head with major type `major` and argument `n` (0 ≤ n ≤ 2^53), in the shortest form (§4.2.1). */
  head(major: number, n: number): void {
    const mt = major << 5;
    this.reserve(9);
    const at = this.length;
    if (n < 24) {
      this.buf[at] = mt | n;
      this.length += 1;
    } else if (n <= 0xff) {
      this.buf[at] = mt | 24;
      this.buf[at + 1] = n;
      this.length += 2;
    } else if (n <= 0xffff) {
      this.buf[at] = mt | 25;
      this.view.setUint16(at + 1, n);
      this.length += 3;
    } else if (n <= 0xffff_ffff) {
      this.buf[at] = mt | 26;
      this.view.setUint32(at + 1, n);
      this.length += 5;
    } else {
      this.buf[at] = mt | 27;
      this.view.setUint32(at + 1, Math.floor(n / TWO_32));
      this.view.setUint32(at + 5, n >>> 0);
      this.length += 9;
    }
  }

  /** A head whose argument may need all 64 bits. */
  bigHead(major: number, n: bigint): void {
    if (n <= BigInt(Number.MAX_SAFE_INTEGER)) {
      this.head(major, Number(n));
      return;
    }
    this.reserve(9);
    this.buf[this.length] = (major << 5) | 27;
    this.view.setBigUint64(this.length + 1, n);
    this.length += 9;
  }

  text(value: string): void {
    // Short ASCII is the common case (keys, ids, contexts): written char by char, no encoder call.
    if (value.length < 128 && this.ascii(value)) return;
    const bytes = Buffer.byteLength(value, 'utf8');
    this.head(3, bytes);
    this.reserve(bytes);
    utf8.encodeInto(value, this.buf.subarray(this.length, this.length + bytes));
    this.length += bytes;
  }

  private ascii(value: string): boolean {
    const start = this.length;
    this.head(3, value.length);
    this.reserve(value.length);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) {
        this.length = start;
        return false;
      }
      buf[at++] = c;
    }
    this.length = at;
    return true;
  }

  /** Bytes written from `from` on: a copy (map keys are encoded apart to be sorted). */
  since(from: number): Uint8Array {
    return this.buf.slice(from, this.length);
  }

  rewind(to: number): void {
    this.highWater = Math.max(this.highWater, this.length);
    this.length = to;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  /** Zeroes what was written and empties the writer. */
  wipe(): void {
    this.buf.fill(0, 0, Math.max(this.highWater, this.length));
    this.length = 0;
    this.highWater = 0;
  }

  get capacity(): number {
    return this.buf.byteLength;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.byteLength - b.byteLength;
}

function writeBigInteger(w: Writer, n: bigint): void {
  if (n >= 0n) {
    if (n > MAX_UINT64) throw new CanonicalCborError('integer does not fit in 64 bits');
    w.bigHead(0, n);
  } else {
    const m = -1n - n;
    if (m > MAX_UINT64) throw new CanonicalCborError('integer does not fit in 64 bits');
    w.bigHead(1, m);
  }
}

/** Encoded text keys, kept because the same few field names recur in every message. */
const textKeyCache = new Map<string, Uint8Array>();
const TEXT_KEY_CACHE_LIMIT = 4096;
const CACHED_KEY_MAX_LENGTH = 64;
const keyWriter = new Writer();

function encodedKey(key: unknown, w: Writer, depth: number): Uint8Array {
  if (typeof key === 'string' && key.length <= CACHED_KEY_MAX_LENGTH) {
    const cached = textKeyCache.get(key);
    if (cached) return cached;
    keyWriter.rewind(0);
    keyWriter.text(key);
    const encoded = keyWriter.bytes();
    if (textKeyCache.size < TEXT_KEY_CACHE_LIMIT) textKeyCache.set(key, encoded);
    return encoded;
  }
  // Any other key is encoded at the end of the output, copied out, and the output rewound.
  const from = w.length;
  write(w, key, depth);
  const encoded = w.since(from);
  w.rewind(from);
  return encoded;
}

interface MapEntry {
  readonly key: Uint8Array;
  readonly value: unknown;
}

function byKey(a: MapEntry, b: MapEntry): number {
  return compareBytes(a.key, b.key);
}

function writeEntries(w: Writer, entries: MapEntry[], depth: number): void {
  entries.sort(byKey);
  for (let i = 1; i < entries.length; i++) {
    if (compareBytes((entries[i - 1] as MapEntry).key, (entries[i] as MapEntry).key) === 0) {
      throw new CanonicalCborError('duplicate map key');
    }
  }
  w.head(5, entries.length);
  for (const entry of entries) {
    w.push(entry.key);
    write(w, entry.value, depth + 1);
  }
}

/** A plain object's keys in canonical order with their encodings, for one set of keys (in enumeration order). */
interface ObjectLayout {
  readonly names: readonly string[];
  readonly keys: readonly Uint8Array[];
}

/**
 * Layouts by the object's keys, in a trie walked key by key (no string built per object): messages of one kind
 * have the same keys in the same order, so the sort (and an entry per key) is done once per kind, not per message.
 */
interface LayoutNode {
  layout: ObjectLayout | undefined;
  readonly next: Map<string, LayoutNode>;
}
const layoutRoot: LayoutNode = { layout: undefined, next: new Map() };
let layoutNodes = 0;
const LAYOUT_NODE_LIMIT = 4096;

function layoutOf(names: readonly string[], w: Writer, depth: number): ObjectLayout | undefined {
  let node = layoutRoot;
  for (const name of names) {
    // Only short names are remembered: the trie outlives the message, and a name can be any size.
    if (name.length > CACHED_KEY_MAX_LENGTH) return undefined;
    let next = node.next.get(name);
    if (!next) {
      if (layoutNodes >= LAYOUT_NODE_LIMIT) return undefined;
      next = { layout: undefined, next: new Map() };
      node.next.set(name, next);
      layoutNodes += 1;
    }
    node = next;
  }
  if (node.layout) return node.layout;
  const entries = names.map((name) => ({ key: encodedKey(name, w, depth), value: name }));
  entries.sort(byKey);
  node.layout = { names: entries.map((e) => e.value), keys: entries.map((e) => e.key) };
  return node.layout;
}

function writePlainObject(w: Writer, value: Record<string, unknown>, depth: number): void {
  let names = Object.keys(value);
  for (const name of names) {
    if (value[name] === undefined) {
      names = names.filter((n) => value[n] !== undefined);
      break;
    }
  }
  const layout = layoutOf(names, w, depth + 1);
  if (!layout) {
    writeEntries(
      w,
      names.map((name) => ({ key: encodedKey(name, w, depth + 1), value: value[name] })),
      depth,
    );
    return;
  }
  w.head(5, layout.names.length);
  for (let i = 0; i < layout.names.length; i++) {
    w.push(layout.keys[i] as Uint8Array);
    write(w, value[layout.names[i] as string], depth + 1);
  }
}

function write(w: Writer, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) throw new CanonicalCborError(`nesting deeper than ${MAX_DEPTH}`);
  switch (typeof value) {
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new CanonicalCborError('only safe integers are encoded: floats are refused in canonical CBOR');
      }
      if (value >= 0) w.head(0, value);
      else w.head(1, -1 - value);
      return;
    case 'bigint':
      writeBigInteger(w, value);
      return;
    case 'string':
      w.text(value);
      return;
    case 'boolean':
      w.byte(value ? 0xf5 : 0xf4);
      return;
    case 'object':
      break;
    default:
      throw new CanonicalCborError(`a ${typeof value} has no canonical CBOR encoding`);
  }
  if (value === null) {
    w.byte(0xf6);
  } else if (value instanceof Uint8Array) {
    w.head(2, value.byteLength);
    w.push(value);
  } else if (Array.isArray(value)) {
    w.head(4, value.length);
    for (const item of value) write(w, item, depth + 1);
  } else if (value instanceof Map) {
    const entries: MapEntry[] = [];
    for (const [k, v] of value) entries.push({ key: encodedKey(k, w, depth + 1), value: v });
    writeEntries(w, entries, depth);
  } else if (isPlainObject(value)) {
    writePlainObject(w, value, depth);
  } else {
    throw new CanonicalCborError('only plain objects, Maps, arrays and Uint8Arrays are encoded');
  }
}

/**
 * Reused by every encoding (nothing in `write` calls back out, so one at a time) unless one grew it large: a fresh
 * buffer per call was a third of the encoder's time.
 */
let scratch = new Writer();
const SCRATCH_KEPT_BYTES = 64 * 1024;

/** Encodes `value` deterministically (RFC 8949 §4.2.1). Throws `CanonicalCborError` for unencodable values. */
export function encodeCanonicalCbor(value: unknown): Uint8Array {
  // Empty: every call wipes it when done, whatever happened.
  const w = scratch;
  try {
    write(w, value, 0);
    return w.bytes();
  } finally {
    // What was encoded may be secret (a result, a key): nothing of it stays in the shared buffer.
    w.wipe();
    if (w.capacity > SCRATCH_KEPT_BYTES) scratch = new Writer();
  }
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
