/**
 * A small BER reader (X.690 §8.1): tags, definite and indefinite lengths, end-of-contents. KMS sends
 * `CiphertextForRecipient` as BER with indefinite lengths; `@peculiar/asn1-schema` parses that, but it does not
 * insist that the input is exactly one well-framed element, so this reader checks the framing of the whole tree
 * first (no truncation, no trailing bytes, EOC where an indefinite length needs one, bounded depth).
 */

export interface BerElement {
  /** The identifier octet: class, constructed bit and tag number (< 31). */
  readonly tag: number;
  readonly constructed: boolean;
  /** Encoded with the indefinite length form (0x80) and closed by end-of-contents octets. */
  readonly indefinite: boolean;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the contents. */
  readonly contentStart: number;
  /** Offset just past the contents (for an indefinite length: where its end-of-contents octets start). */
  readonly contentEnd: number;
  /** Offset just past the whole element, end-of-contents octets included. */
  readonly end: number;
}

export class BerFormatError extends Error {
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'BerFormatError';
  }
}

/** Deeper than any CMS structure KMS sends (the vector nests 10 levels). */
export const MAX_BER_DEPTH = 32;

const CONSTRUCTED = 0x20;
const INDEFINITE = 0x80;

function isEndOfContents(bytes: Uint8Array, pos: number, limit: number): boolean {
  return pos + 2 <= limit && bytes[pos] === 0 && bytes[pos + 1] === 0;
}

/**
 * Reads the element at `pos`, which must end at or before `limit`. Constructed contents are walked (and so
 * checked) to `maxDepth`; primitive contents are not looked at.
 */
export function readBerElement(bytes: Uint8Array, pos: number, limit = bytes.length, depth = 0): BerElement {
  if (depth > MAX_BER_DEPTH) throw new BerFormatError(`nested deeper than ${MAX_BER_DEPTH} levels`, pos);
  const tag = bytes[pos];
  if (tag === undefined || pos + 2 > limit) throw new BerFormatError('truncated element', pos);
  if ((tag & 0x1f) === 0x1f) throw new BerFormatError('high tag numbers are not used by CMS', pos);
  if (tag === 0) throw new BerFormatError('unexpected end-of-contents octets', pos);
  const constructed = (tag & CONSTRUCTED) !== 0;
  const first = bytes[pos + 1] as number;
  const contentStart = pos + 2 + (first > INDEFINITE ? first & 0x7f : 0);

  if (first === INDEFINITE) {
    if (!constructed) throw new BerFormatError('indefinite length on a primitive element', pos);
    let child = contentStart;
    while (!isEndOfContents(bytes, child, limit)) {
      if (child >= limit) throw new BerFormatError('indefinite length without end-of-contents octets', pos);
      child = readBerElement(bytes, child, limit, depth + 1).end;
    }
    return {
      tag,
      constructed,
      indefinite: true,
      start: pos,
      contentStart,
      contentEnd: child,
      end: child + 2,
    };
  }

  let length = first;
  if (first > INDEFINITE) {
    const count = first & 0x7f;
    if (count > 4) throw new BerFormatError('length longer than four octets', pos);
    if (contentStart > limit) throw new BerFormatError('truncated length', pos);
    length = 0;
    for (let i = pos + 2; i < contentStart; i++) length = length * 256 + (bytes[i] as number);
  }
  const end = contentStart + length;
  if (end > limit) throw new BerFormatError('element runs past its container', pos);
  if (constructed) {
    let child = contentStart;
    while (child < end) child = readBerElement(bytes, child, end, depth + 1).end;
  }
  return { tag, constructed, indefinite: false, start: pos, contentStart, contentEnd: end, end };
}

/** The direct children of a constructed element. */
export function berChildren(bytes: Uint8Array, parent: BerElement): BerElement[] {
  if (!parent.constructed) return [];
  const children: BerElement[] = [];
  let pos = parent.contentStart;
  while (pos < parent.contentEnd) {
    const child = readBerElement(bytes, pos, parent.contentEnd);
    children.push(child);
    pos = child.end;
  }
  return children;
}

/** Checks that `bytes` is exactly one well-framed BER element (nothing after it) and returns it. */
export function readSingleBerElement(bytes: Uint8Array): BerElement {
  const element = readBerElement(bytes, 0);
  if (element.end !== bytes.length) {
    throw new BerFormatError(`${bytes.length - element.end} bytes after the element`, element.end);
  }
  return element;
}
