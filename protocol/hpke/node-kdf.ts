import { createHmac } from 'node:crypto';
import { HkdfSha256 } from '@hpke/core';

type Bytes = ArrayBufferLike | ArrayBufferView;

const HASH_BYTES = 32;

function view(input: Bytes): Uint8Array {
  return ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
}

/** A fresh ArrayBuffer holding exactly `bytes` (node Buffers may share a pooled backing store). */
export function ownedArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * HKDF-SHA256 (RFC 5869) on node:crypto HMAC, for @hpke/core's key schedule. The labels and the schedule stay
 * @hpke/core's (inherited `labeledExtract`/`buildLabeledInfo`); only the primitive changes: the stock class
 * imports a WebCrypto key and awaits one `subtle` call per HMAC, several per envelope, each a threadpool hop.
 */
export class NodeHkdfSha256 extends HkdfSha256 {
  override async extract(salt: Bytes, ikm: Bytes): Promise<ArrayBuffer> {
    return ownedArrayBuffer(this.extractSync(salt, ikm));
  }

  override async expand(prk: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
    return ownedArrayBuffer(this.expandSync(view(prk), view(info), len));
  }

  override async extractAndExpand(salt: Bytes, ikm: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
    const prk = this.extractSync(salt, ikm);
    try {
      return ownedArrayBuffer(this.expandSync(prk, view(info), len));
    } finally {
      prk.fill(0);
    }
  }

  private extractSync(salt: Bytes, ikm: Bytes): Buffer {
    const saltBytes = view(salt);
    // As the stock class: an empty salt means HashLen zeros; any other length is a caller error.
    if (saltBytes.byteLength !== 0 && saltBytes.byteLength !== HASH_BYTES) {
      throw new RangeError('The salt length must be the same as the hashSize');
    }
    return hmac(saltBytes.byteLength === 0 ? new Uint8Array(HASH_BYTES) : saltBytes, view(ikm));
  }

  private expandSync(prk: Uint8Array, info: Uint8Array, len: number): Uint8Array {
    if (len > 255 * HASH_BYTES) throw new RangeError('Entropy limit reached');
    const okm = new Uint8Array(len);
    let previous: Uint8Array = new Uint8Array(0);
    for (let i = 1, filled = 0; filled < len; i++) {
      previous = hmac(prk, previous, info, Uint8Array.of(i));
      const take = Math.min(previous.byteLength, len - filled);
      okm.set(previous.subarray(0, take), filled);
      filled += take;
    }
    return okm;
  }
}
