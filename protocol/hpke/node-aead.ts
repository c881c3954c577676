import { type CipherGCMTypes, createCipheriv, createDecipheriv } from 'node:crypto';
import { type AeadEncryptionContext, AeadId, type AeadInterface } from '@hpke/core';
import { ownedArrayBuffer } from './node-kdf.js';

type Bytes = ArrayBufferLike | ArrayBufferView;

const TAG_BYTES = 16;

function view(input: Bytes): Uint8Array {
  return ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
}

type NodeAeadCipher = CipherGCMTypes | 'chacha20-poly1305';

/** One HPKE AEAD key on node:crypto: a synchronous OpenSSL call per seal/open instead of a WebCrypto job. */
class NodeAeadContext implements AeadEncryptionContext {
  readonly #key: Buffer;

  constructor(
    private readonly cipher: NodeAeadCipher,
    key: Bytes,
  ) {
    this.#key = Buffer.from(view(key));
  }

  async seal(iv: Bytes, data: Bytes, aad: Bytes): Promise<ArrayBuffer> {
    // The union of cipher names picks no single overload; both are AEAD ciphers with a 16-byte tag.
    const cipher = createCipheriv(this.cipher as 'aes-256-gcm', this.#key, view(iv), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(view(aad));
    const body = cipher.update(view(data));
    const last = cipher.final();
    const out = new Uint8Array(body.byteLength + last.byteLength + TAG_BYTES);
    out.set(body, 0);
    out.set(last, body.byteLength);
    out.set(cipher.getAuthTag(), body.byteLength + last.byteLength);
    return out.buffer;
  }

  async open(iv: Bytes, data: Bytes, aad: Bytes): Promise<ArrayBuffer> {
    const sealed = view(data);
    if (sealed.byteLength < TAG_BYTES) throw new RangeError('ciphertext shorter than the tag');
    const tagAt = sealed.byteLength - TAG_BYTES;
    const decipher = createDecipheriv(this.cipher as 'aes-256-gcm', this.#key, view(iv), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(view(aad));
    decipher.setAuthTag(sealed.subarray(tagAt));
    const body = decipher.update(sealed.subarray(0, tagAt));
    const last = decipher.final(); // throws when the tag does not verify
    if (last.byteLength === 0) return ownedArrayBuffer(body);
    return ownedArrayBuffer(Buffer.concat([body, last]));
  }
}

/** AES-256-GCM (AEAD id 0x0002) for @hpke/core's `CipherSuite`, on node:crypto. */
export class NodeAes256Gcm implements AeadInterface {
  readonly id = AeadId.Aes256Gcm;
  readonly keySize = 32;
  readonly nonceSize = 12;
  readonly tagSize = TAG_BYTES;

  createEncryptionContext(key: Bytes): AeadEncryptionContext {
    return new NodeAeadContext('aes-256-gcm', key);
  }
}

/** ChaCha20Poly1305 (AEAD id 0x0003) for @hpke/core's `CipherSuite`, on node:crypto. */
export class NodeChacha20Poly1305 implements AeadInterface {
  readonly id = AeadId.Chacha20Poly1305;
  readonly keySize = 32;
  readonly nonceSize = 12;
  readonly tagSize = TAG_BYTES;

  createEncryptionContext(key: Bytes): AeadEncryptionContext {
    return new NodeAeadContext('chacha20-poly1305', key);
  }
}
