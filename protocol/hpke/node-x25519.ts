import { createPublicKey, diffieHellman, KeyObject, randomFillSync, type webcrypto } from 'node:crypto';
import { DeserializeError, DhkemX25519HkdfSha256, SerializeError } from '@hpke/core';
import {
  generateOkpPrivateKey,
  OKP_KEY_BYTES,
  OKP_PKCS8_HEADER_BYTES,
  OKP_SPKI_HEADER_BYTES,
  okpPrivateKeyFromRaw,
} from '../../common/okp-keys.js';
import { sodium } from '../../common/sodium.js';
import { NodeHkdfSha256, ownedArrayBuffer } from './node-kdf.js';

type Bytes = ArrayBufferLike | ArrayBufferView;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type JsonWebKey = webcrypto.JsonWebKey;

const KEY_BYTES = OKP_KEY_BYTES;
/** `suite_id` of DHKEM(X25519, HKDF-SHA256) (RFC 9180 §4.1): "KEM" || I2OSP(0x0020, 2). */
const KEM_SUITE_ID = Uint8Array.of(0x4b, 0x45, 0x4d, 0x00, 0x20);

/**
 * An X25519 key for node:crypto or libsodium, shaped as a `CryptoKey` so @hpke/core's DHKEM can pass it through.
 * Public keys keep their raw bytes (the KEM serializes them on every open) and, where libsodium does the DH, get a
 * `KeyObject` only if something asks for one. A recipient's private key may carry its raw bytes too (secret: the
 * holder zeroes them when the key is discarded).
 */
export class NodeX25519Key implements CryptoKey {
  readonly algorithm = { name: 'X25519' };
  readonly extractable = true;
  readonly usages: webcrypto.KeyUsage[];
  #keyObject: KeyObject | undefined;

  constructor(
    readonly type: 'public' | 'private',
    keyObject: KeyObject | undefined,
    readonly raw?: Uint8Array,
  ) {
    if (keyObject === undefined && raw === undefined) {
      throw new TypeError('an X25519 key needs its KeyObject or its bytes');
    }
    this.#keyObject = keyObject;
    this.usages = type === 'private' ? ['deriveBits'] : [];
  }

  get keyObject(): KeyObject {
    this.#keyObject ??=
      this.type === 'public'
        ? importRawPublicKey(this.raw as Uint8Array)
        : okpPrivateKeyFromRaw('x25519', this.raw as Uint8Array);
    return this.#keyObject;
  }
}

function importRawPublicKey(raw: Uint8Array): KeyObject {
  // JWK, not SPKI DER: node builds an OKP key from raw bytes directly, while DER goes through OpenSSL 3's
  // generic decoder, measured over ten times slower (it was as costly as the Ed25519 verify of the input).
  const x = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
}

function view(input: Bytes): Uint8Array {
  return ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
}

/** WebCrypto keys converted once (a session's private key is used for every input). */
const converted = new WeakMap<CryptoKey, KeyObject>();

function keyObjectOf(key: CryptoKey): KeyObject {
  if (key instanceof NodeX25519Key) return key.keyObject;
  let object = converted.get(key);
  if (object === undefined) {
    object = KeyObject.from(key);
    converted.set(key, object);
  }
  return object;
}

/**
 * Raw bytes are read from DER exports, never JWK ones: Node 20's JWK export of an X25519/Ed25519 key holds the
 * key's mutex while it allocates, which deadlocks against a collected generator job of the same key (see
 * common/okp-keys.ts); keys handed to us may come from a generator. The key is the DER's last 32 bytes (RFC 8410).
 */
function rawPublicOf(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  if (der.length !== OKP_SPKI_HEADER_BYTES + KEY_BYTES) throw new TypeError('not an X25519 key');
  return new Uint8Array(der.subarray(OKP_SPKI_HEADER_BYTES));
}

export function nodeX25519PublicKey(raw: Uint8Array): NodeX25519Key {
  if (raw.byteLength !== KEY_BYTES) throw new RangeError('Invalid public key for the ciphersuite');
  // With libsodium the bytes are all the DH needs: an import per envelope's `enc` would cost a third of the DH.
  return new NodeX25519Key('public', sodium() ? undefined : importRawPublicKey(raw), raw.slice());
}

/**
 * The pair for a private key, so the KEM does not re-derive the public key on every open. Where libsodium does the
 * DH, the private key carries its raw bytes: the caller zeroes them when it discards the key.
 */
export function nodeX25519KeyPair(privateKey: CryptoKey): {
  privateKey: NodeX25519Key;
  publicKey: NodeX25519Key;
} {
  const secret = keyObjectOf(privateKey);
  const publicObject = createPublicKey(secret);
  return {
    privateKey: new NodeX25519Key('private', secret, sodium() ? rawPrivateOf(secret) : undefined),
    publicKey: new NodeX25519Key('public', publicObject, rawPublicOf(publicObject)),
  };
}

function rawPrivateOf(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  try {
    if (der.length !== OKP_PKCS8_HEADER_BYTES + KEY_BYTES) throw new TypeError('not an X25519 private key');
    return new Uint8Array(der.subarray(OKP_PKCS8_HEADER_BYTES));
  } finally {
    der.fill(0);
  }
}

/** The parts of @hpke/core's X25519 primitive this one delegates the cold paths to. */
interface StockX25519 {
  serializePublicKey(key: CryptoKey): Promise<ArrayBuffer>;
  serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer>;
  deserializePrivateKey(key: Bytes): Promise<CryptoKey>;
  importKey(format: 'raw' | 'jwk', key: ArrayBuffer | JsonWebKey, isPublic: boolean): Promise<CryptoKey>;
  deriveKeyPair(ikm: Bytes): Promise<CryptoKeyPair>;
}

/**
 * The DH primitives of DHKEM(X25519) on node:crypto (`diffieHellman` on KeyObjects): the hot path of encap and
 * decap. Key import/export and DeriveKeyPair stay with @hpke/core's own primitive (WebCrypto keys), which this
 * one accepts anywhere a key is expected.
 */
class NodeX25519Primitives {
  constructor(private readonly stock: StockX25519) {}

  async serializePublicKey(key: CryptoKey): Promise<ArrayBuffer> {
    if (!(key instanceof NodeX25519Key)) return await this.stock.serializePublicKey(key);
    try {
      return ownedArrayBuffer(key.raw ?? rawPublicOf(key.keyObject));
    } catch (error) {
      throw new SerializeError(error);
    }
  }

  async deserializePublicKey(key: Bytes): Promise<CryptoKey> {
    try {
      return nodeX25519PublicKey(view(key));
    } catch (error) {
      throw new DeserializeError(error);
    }
  }

  async serializePrivateKey(key: CryptoKey): Promise<ArrayBuffer> {
    if (!(key instanceof NodeX25519Key)) return await this.stock.serializePrivateKey(key);
    try {
      if (key.type === 'private' && key.raw) return ownedArrayBuffer(key.raw);
      const raw = rawPrivateOf(key.keyObject);
      try {
        return ownedArrayBuffer(raw);
      } finally {
        raw.fill(0);
      }
    } catch (error) {
      throw new SerializeError(error);
    }
  }

  async deserializePrivateKey(key: Bytes): Promise<CryptoKey> {
    return await this.stock.deserializePrivateKey(key);
  }

  async importKey(
    format: 'raw' | 'jwk',
    key: ArrayBuffer | JsonWebKey,
    isPublic: boolean,
  ): Promise<CryptoKey> {
    return await this.stock.importKey(format, key, isPublic);
  }

  async generateKeyPair(): Promise<CryptoKeyPair> {
    const libsodium = sodium();
    if (libsodium) {
      // Every sealed input's ephemeral key: bytes alone, as the DH takes them (a KeyObject only if one is asked for).
      const secret = randomFillSync(new Uint8Array(KEY_BYTES));
      const raw = new Uint8Array(KEY_BYTES);
      libsodium.crypto_scalarmult_base(raw, secret);
      return {
        privateKey: new NodeX25519Key('private', undefined, secret),
        publicKey: new NodeX25519Key('public', undefined, raw),
      };
    }
    // Imported from random bytes, not generated by node (see common/okp-keys.ts): its public key is exported next.
    const privateKey = generateOkpPrivateKey('x25519');
    const publicKey = createPublicKey(privateKey);
    return {
      privateKey: new NodeX25519Key('private', privateKey),
      publicKey: new NodeX25519Key('public', publicKey, rawPublicOf(publicKey)),
    };
  }

  async deriveKeyPair(ikm: Bytes): Promise<CryptoKeyPair> {
    return await this.stock.deriveKeyPair(ikm);
  }

  async derivePublicKey(key: CryptoKey): Promise<CryptoKey> {
    try {
      return nodeX25519KeyPair(key).publicKey;
    } catch (error) {
      throw new DeserializeError(error);
    }
  }

  async dh(sk: CryptoKey, pk: CryptoKey): Promise<ArrayBuffer> {
    try {
      const shared = x25519SharedSecret(sk, pk);
      const owned = ownedArrayBuffer(shared);
      shared.fill(0);
      return owned;
    } catch (error) {
      throw new SerializeError(error);
    }
  }
}

/**
 * X25519 of a private and a public key (libsodium on raw bytes where it can, else node:crypto). Throws on an
 * all-zero output (a small-order public key), which RFC 9180 §7.1.4 requires HPKE to refuse. Secret: the caller
 * zeroes it.
 */
export function x25519SharedSecret(sk: CryptoKey, pk: CryptoKey): Uint8Array {
  const libsodium = sodium();
  if (libsodium && sk instanceof NodeX25519Key && sk.raw && pk instanceof NodeX25519Key && pk.raw) {
    const shared = new Uint8Array(KEY_BYTES);
    // Throws on an all-zero result too.
    libsodium.crypto_scalarmult(shared, sk.raw, pk.raw);
    return shared;
  }
  const shared = diffieHellman({ privateKey: keyObjectOf(sk), publicKey: keyObjectOf(pk) });
  if (shared.every((byte) => byte === 0)) {
    shared.fill(0);
    throw new RangeError('X25519 output is all zeros');
  }
  return shared;
}

/**
 * @hpke/core's DHKEM(X25519, HKDF-SHA256) with node:crypto underneath: its encap/decap and ExtractAndExpand are
 * unchanged; the DH primitive and the HKDF it calls are the node ones.
 */
export class NodeDhkemX25519HkdfSha256 extends DhkemX25519HkdfSha256 {
  constructor() {
    super();
    const kdf = new NodeHkdfSha256();
    kdf.init(KEM_SUITE_ID);
    this._prim = new NodeX25519Primitives(this._prim);
    this._kdf = kdf;
  }
}
