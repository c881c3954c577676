/** The few BER encodings KMS's envelope needs: definite lengths (minimal, as DER) and indefinite ones. */

function lengthOctets(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Uint8Array.of(0x80 | octets.length, ...octets);
}

/** An element with a definite length: identifier, length, contents. */
export function definite(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  const body = Buffer.concat(contents);
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag), lengthOctets(body.byteLength), body]));
}

/** A constructed element with the indefinite length form: identifier, 0x80, children, end-of-contents. */
export function indefinite(tag: number, ...children: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat([Uint8Array.of(tag, 0x80), ...children, Uint8Array.of(0, 0)]));
}

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  sequence: 0x30,
  set: 0x31,
  context0: 0x80,
  context0Constructed: 0xa0,
  context1Constructed: 0xa1,
} as const;
