/**
 * A strict CBOR (RFC 8949) well-formedness check that runs before any decoder sees the bytes. `cbor-x` decodes
 * leniently (last duplicate key wins, unknown tags become objects, trailing bytes go unnoticed); every format that
 * crosses a trust boundary in nitro-mpc is checked here first, so that one set of rules applies everywhere.
 */
import { NitroMpcError } from '../errors.js';

export interface WellFormedOptions {
  /** Deepest nesting of arrays, maps and tags. Guards the decoder's stack against hostile input. */
  readonly maxDepth?: number;
  /** Tags allowed anywhere (COSE_Sign1 is 18); every other tag is refused. */
  readonly allowedTags?: readonly number[];
  /** Whether the simple value `undefined` (0xf7) may appear. None of our formats use it. */
  readonly allowUndefined?: boolean;
}

/**
 * Why the bytes are not acceptable CBOR, with the byte offset where the problem starts. A `NitroMpcError`
 * (`CBOR_MALFORMED`) so that a caller that lets it through still refuses with a code instead of failing inside.
 */
export class CborFormatError extends NitroMpcError<'CBOR_MALFORMED'> {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('CBOR_MALFORMED', `${message} (at byte ${offset})`, { details: { offset } });
    this.offset = offset;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * ASCII is valid UTF-8: checking bytes directly spares a TextDecoder call per string, which dominated scanning
 * inputs made of a million short identifiers.
 */
function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((bytes[i] as number) >= 0x80) return false;
  return true;
}
const DEFAULT_MAX_DEPTH = 32;

interface Head {
  readonly major: number;
  /** The argument; `-1` for indefinite length; bigint only when above 2^53. */
  readonly value: number | bigint;
  readonly indefinite: boolean;
  /** Offset just past the head. */
  readonly next: number;
}

/** Maps up to this size find duplicate keys by comparing bytes pairwise: no allocation per key. */
const PAIRWISE_KEYS = 16;

/**
 * The keys of one map so far, to refuse duplicates. Keys equal in value are equal whatever their encoding (e.g.
 * `0x01` and `0x18 0x01`): integers compare by value, definite strings by major type and content, anything else
 * by its encoded bytes.
 */
class MapKeys {
  private readonly spans: number[] = [];
  private identities: Set<string> | undefined;

  add(bytes: Uint8Array, head: Head, start: number, end: number): boolean {
    // Integers: [major, value]; definite strings: [major + 8, content start, end]; else [16, start, end].
    let kind: number;
    let a: number;
    let b: number;
    if (head.major <= 1) {
      if (typeof head.value === 'bigint') return this.addIdentity(bytes, `${head.major}:${head.value}`);
      kind = head.major;
      a = head.value;
      b = 0;
    } else if ((head.major === 2 || head.major === 3) && !head.indefinite) {
      kind = head.major + 8;
      a = head.next;
      b = end;
    } else {
      kind = 16;
      a = start;
      b = end;
    }
    if (this.identities) return this.addIdentity(bytes, identityOf(bytes, kind, a, b));
    const spans = this.spans;
    for (let i = 0; i < spans.length; i += 3) {
      if (spans[i] !== kind) continue;
      if (
        kind <= 1
          ? spans[i + 1] === a
          : sameBytes(bytes, spans[i + 1] as number, spans[i + 2] as number, a, b)
      ) {
        return false;
      }
    }
    spans.push(kind, a, b);
    if (spans.length / 3 > PAIRWISE_KEYS) this.identitiesOf(bytes);
    return true;
  }

  private addIdentity(bytes: Uint8Array, identity: string): boolean {
    const identities = this.identitiesOf(bytes);
    if (identities.has(identity)) return false;
    identities.add(identity);
    return true;
  }

  /** Switches to a set of identities, holding every key seen so far. */
  private identitiesOf(bytes: Uint8Array): Set<string> {
    if (this.identities) return this.identities;
    const identities = new Set<string>();
    const spans = this.spans;
    for (let i = 0; i < spans.length; i += 3) {
      identities.add(identityOf(bytes, spans[i] as number, spans[i + 1] as number, spans[i + 2] as number));
    }
    this.identities = identities;
    return identities;
  }
}

function identityOf(bytes: Uint8Array, kind: number, a: number, b: number): string {
  if (kind <= 1) return `${kind}:${a}`;
  return `${kind}:${Buffer.from(bytes.buffer, bytes.byteOffset + a, b - a).toString('hex')}`;
}

function sameBytes(bytes: Uint8Array, a0: number, a1: number, b0: number, b1: number): boolean {
  if (a1 - a0 !== b1 - b0) return false;
  for (let i = 0; i < a1 - a0; i++) if (bytes[a0 + i] !== bytes[b0 + i]) return false;
  return true;
}

class Scanner {
  private readonly maxDepth: number;
  private readonly allowedTags: ReadonlySet<number>;
  private readonly allowUndefined: boolean;

  constructor(
    private readonly bytes: Uint8Array,
    options: WellFormedOptions,
  ) {
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.allowedTags = new Set(options.allowedTags ?? []);
    this.allowUndefined = options.allowUndefined ?? false;
  }

  private byteAt(pos: number): number {
    const b = this.bytes[pos];
    if (b === undefined) throw new CborFormatError('unexpected end of input', pos);
    return b;
  }

  private readHead(pos: number): Head {
    const ib = this.byteAt(pos);
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (ai < 24) return { major, value: ai, indefinite: false, next: pos + 1 };
    if (ai === 31) {
      if (major === 0 || major === 1 || major === 6) {
        throw new CborFormatError(`indefinite length is not allowed for major type ${major}`, pos);
      }
      return { major, value: -1, indefinite: true, next: pos + 1 };
    }
    if (ai > 27) throw new CborFormatError(`reserved additional information ${ai}`, pos);
    const size = 1 << (ai - 24);
    const end = pos + 1 + size;
    if (end > this.bytes.length) throw new CborFormatError('unexpected end of input in a head', pos);
    let value: number | bigint = 0;
    if (size === 8) {
      let big = 0n;
      for (let i = pos + 1; i < end; i++) big = (big << 8n) | BigInt(this.byteAt(i));
      value = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    } else {
      for (let i = pos + 1; i < end; i++) value = value * 256 + this.byteAt(i);
    }
    return { major, value, indefinite: false, next: end };
  }

  private lengthOf(head: Head, at: number): number {
    if (typeof head.value === 'bigint' || head.value > this.bytes.length) {
      throw new CborFormatError('declared length exceeds the input', at);
    }
    return head.value;
  }

  /** Checks one data item starting at `pos`; returns the offset just past it. */
  item(pos: number, depth: number): number {
    if (depth > this.maxDepth) throw new CborFormatError(`nesting deeper than ${this.maxDepth}`, pos);
    const head = this.readHead(pos);
    switch (head.major) {
      case 0:
      case 1:
        return head.next;
      case 2:
      case 3:
        return head.indefinite ? this.chunkedString(head) : this.definiteString(head, pos);
      case 4:
        return this.array(head, pos, depth);
      case 5:
        return this.map(head, pos, depth);
      case 6: {
        const tag = typeof head.value === 'bigint' ? -1 : head.value;
        if (!this.allowedTags.has(tag))
          throw new CborFormatError(`tag ${head.value} is not allowed here`, pos);
        return this.item(head.next, depth + 1);
      }
      default:
        return this.simple(head, pos);
    }
  }

  private definiteString(head: Head, pos: number): number {
    const length = this.lengthOf(head, pos);
    const end = head.next + length;
    if (end > this.bytes.length) throw new CborFormatError('string runs past the end of input', pos);
    if (head.major === 3 && !isAscii(this.bytes, head.next, end)) {
      try {
        utf8.decode(this.bytes.subarray(head.next, end));
      } catch {
        throw new CborFormatError('text string is not valid UTF-8', pos);
      }
    }
    return end;
  }

  private chunkedString(head: Head): number {
    let at = head.next;
    for (;;) {
      if (this.byteAt(at) === 0xff) return at + 1;
      const chunk = this.readHead(at);
      if (chunk.major !== head.major || chunk.indefinite) {
        throw new CborFormatError('indefinite-length string holds a chunk of another type', at);
      }
      at = this.definiteString(chunk, at);
    }
  }

  private array(head: Head, pos: number, depth: number): number {
    let at = head.next;
    if (head.indefinite) {
      while (this.byteAt(at) !== 0xff) at = this.item(at, depth + 1);
      return at + 1;
    }
    const count = this.lengthOf(head, pos);
    for (let i = 0; i < count; i++) at = this.item(at, depth + 1);
    return at;
  }

  private map(head: Head, pos: number, depth: number): number {
    const keys = new MapKeys();
    let at = head.next;
    const count = head.indefinite ? Number.POSITIVE_INFINITY : this.lengthOf(head, pos);
    for (let i = 0; i < count; i++) {
      if (head.indefinite && this.byteAt(at) === 0xff) return at + 1;
      const keyStart = at;
      at = this.item(at, depth + 1);
      if (!keys.add(this.bytes, this.readHead(keyStart), keyStart, at)) {
        throw new CborFormatError('duplicate map key', keyStart);
      }
      at = this.item(at, depth + 1);
    }
    return at;
  }

  private simple(head: Head, pos: number): number {
    const ai = this.byteAt(pos) & 0x1f;
    if (ai === 31) throw new CborFormatError('unexpected break', pos);
    if (ai === 23 && !this.allowUndefined) throw new CborFormatError('undefined is not allowed', pos);
    if (ai < 20) throw new CborFormatError(`unassigned simple value ${ai}`, pos);
    if (ai === 24) throw new CborFormatError('extended simple values are not allowed', pos);
    return head.next;
  }
}

/**
 * Throws `CborFormatError` unless `bytes` hold exactly one well-formed CBOR data item with no duplicate map keys,
 * no disallowed tags and nothing after it.
 */
export function assertWellFormedCbor(bytes: Uint8Array, options: WellFormedOptions = {}): void {
  if (bytes.length === 0) throw new CborFormatError('empty input', 0);
  const end = new Scanner(bytes, options).item(0, 0);
  if (end !== bytes.length) throw new CborFormatError(`${bytes.length - end} trailing byte(s)`, end);
}
