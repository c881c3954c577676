import { createHmac, timingSafeEqual } from 'node:crypto';
import { HkdfSha256 } from '@hpke/core';

type Bytes = ArrayBufferLike | ArrayBufferView;

const HASH_BYTES = 32;
const PSK_ID_HASH_LABEL = new TextEncoder().encode('psk_id_hash');

/** Constant-time for equal lengths: the bytes compared may be secret (a shared secret). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

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
  /** `psk_id_hash` of the base mode: the same for every envelope (RFC 9180 §5.1, an empty `psk_id`). */
  private emptyPskIdHash: { readonly ikm: Uint8Array; readonly prk: Buffer } | undefined;
  /**
   * The last PRK of `extractAndExpand`: the key schedule derives key, nonce and exporter secret from one
   * (shared secret, ikm) pair, three calls in a row. Secret, so kept only until the current macrotask ends.
   */
  private lastPrk: { readonly salt: Uint8Array; readonly ikm: Uint8Array; readonly prk: Buffer } | undefined;

  override async extract(salt: Bytes, ikm: Bytes): Promise<ArrayBuffer> {
    const ikmBytes = view(ikm);
    if (view(salt).byteLength === 0) {
      this.emptyPskIdHash ??= this.pskIdHashOfEmptyPsk();
      if (sameBytes(ikmBytes, this.emptyPskIdHash.ikm)) return ownedArrayBuffer(this.emptyPskIdHash.prk);
    }
    return ownedArrayBuffer(this.extractSync(salt, ikmBytes));
  }

  private pskIdHashOfEmptyPsk(): { ikm: Uint8Array; prk: Buffer } {
    const ikm = this.buildLabeledIkm(PSK_ID_HASH_LABEL, new Uint8Array(0));
    return { ikm, prk: this.extractSync(new Uint8Array(0), ikm) };
  }

  override async expand(prk: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
    return ownedArrayBuffer(this.expandSync(view(prk), view(info), len));
  }

  override async extractAndExpand(salt: Bytes, ikm: Bytes, info: Bytes, len: number): Promise<ArrayBuffer> {
    const saltBytes = view(salt);
    const ikmBytes = view(ikm);
    const last = this.lastPrk;
    if (last && sameBytes(last.salt, saltBytes) && sameBytes(last.ikm, ikmBytes)) {
      return ownedArrayBuffer(this.expandSync(last.prk, view(info), len));
    }
    const prk = this.extractSync(saltBytes, ikmBytes);
    this.forgetLastPrk();
    this.lastPrk = { salt: saltBytes.slice(), ikm: ikmBytes.slice(), prk };
    setImmediate(() => {
      if (this.lastPrk?.prk === prk) this.forgetLastPrk();
    });
    return ownedArrayBuffer(this.expandSync(prk, view(info), len));
  }

  private forgetLastPrk(): void {
    if (!this.lastPrk) return;
    this.lastPrk.prk.fill(0);
    this.lastPrk.salt.fill(0);
    this.lastPrk.ikm.fill(0);
    this.lastPrk = undefined;
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
