/**
 * RFC 8949 §4.2.1 deterministic CBOR for the two item kinds a measurement needs: text strings and arrays.
 * Written out here rather than through cbor-x so that the measured bytes depend on no encoder's choices.
 */
export type MeasuredItem = string | readonly MeasuredItem[];

const utf8 = new TextEncoder();

function head(major: number, length: number): number[] {
  const type = major << 5;
  if (length < 24) return [type | length];
  if (length < 0x100) return [type | 24, length];
  if (length < 0x10000) return [type | 25, length >>> 8, length & 0xff];
  return [type | 26, (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff];
}

function encodeInto(item: MeasuredItem, parts: Uint8Array[]): void {
  if (typeof item === 'string') {
    const bytes = utf8.encode(item);
    parts.push(Uint8Array.from(head(3, bytes.byteLength)), bytes);
    return;
  }
  parts.push(Uint8Array.from(head(4, item.length)));
  for (const element of item) encodeInto(element, parts);
}

export function encodeDeterministicCbor(item: MeasuredItem): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(item, parts);
  return new Uint8Array(Buffer.concat(parts));
}
