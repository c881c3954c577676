/**
 * The smallest DER reader that lets us find a part of a structure without parsing all of it (full ASN.1
 * parsing of a certificate costs ~1 ms in JS; finding its extensions this way costs microseconds). The parts
 * found are handed to `@peculiar/asn1-*` for real parsing.
 */

export interface DerElement {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the contents. */
  readonly contentStart: number;
  /** Offset just past the contents. */
  readonly end: number;
}

export class DerFormatError extends Error {
  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.name = 'DerFormatError';
  }
}

/** Reads the element at `pos`; it must end at or before `limit`. Only definite, minimal-enough lengths. */
export function readDerElement(bytes: Uint8Array, pos: number, limit = bytes.length): DerElement {
  const tag = bytes[pos];
  if (tag === undefined || pos + 2 > limit) throw new DerFormatError('truncated element', pos);
  if ((tag & 0x1f) === 0x1f) throw new DerFormatError('high tag numbers are not supported', pos);
  let lengthByte = bytes[pos + 1] as number;
  let contentStart = pos + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 4) throw new DerFormatError('unsupported length encoding', pos);
    if (contentStart + count > limit) throw new DerFormatError('truncated length', pos);
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[contentStart + i] as number;
      length = length * 256 + lengthByte;
    }
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerFormatError('element runs past its container', pos);
  return { tag, start: pos, contentStart, end };
}

/** The direct children of a constructed element. */
export function derChildren(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  let pos = parent.contentStart;
  while (pos < parent.end) {
    const child = readDerElement(bytes, pos, parent.end);
    children.push(child);
    pos = child.end;
  }
  return children;
}

/** Dotted text of an OBJECT IDENTIFIER's contents (X.690 §8.19). */
export function decodeOid(contents: Uint8Array): string {
  if (contents.length === 0) throw new DerFormatError('empty OBJECT IDENTIFIER', 0);
  const arcs: number[] = [];
  let value = 0;
  for (const [i, byte] of contents.entries()) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerFormatError('OBJECT IDENTIFIER arc too large', i);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0)
        arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    } else if (i === contents.length - 1) {
      throw new DerFormatError('OBJECT IDENTIFIER ends inside an arc', i);
    }
  }
  return arcs.join('.');
}

/** The contents of `element`. */
export function derContents(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.contentStart, element.end);
}
