import { createDecipheriv, createHmac } from 'node:crypto';
import { type RecipientKeys, recipientKeyPairFrom } from './keys.js';
import { nodeX25519PublicKey, x25519SharedSecret } from './node-x25519.js';
import {
  HPKE_AEAD_AES_256_GCM,
  HPKE_KDF_HKDF_SHA256,
  HPKE_KEM_X25519_HKDF_SHA256,
  HPKE_TAG_BYTES,
  type HpkeSuiteIds,
} from './suites.js';

/**
 * HPKE's single-shot open (RFC 9180 §6.1) in base or auth mode, for the suites envelopes use: DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256, AES-256-GCM or ChaCha20Poly1305. The enclave opens every submitted input with it.
 *
 * @hpke/core's `createRecipientContext` gives the same plaintext (tests hold the two to the same results and to
 * RFC 9180's vectors), but builds a reusable context: an exporter secret, a sequence counter, a copy into a fresh
 * `ArrayBuffer` at each of its dozen async steps. A single-shot open needs none of that, and at a thousand inputs a
 * second that machinery cost as much CPU as the X25519 itself. Sealing, streams and result envelopes stay on
 * @hpke/core; this is only the one-message open.
 */

const HASH_BYTES = 32;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const MODE_BASE = 0x00;
const MODE_AUTH = 0x02;
const EMPTY = new Uint8Array(0);
const ZERO_SALT = new Uint8Array(HASH_BYTES);
const ascii = (text: string) => new TextEncoder().encode(text);

/** `suite_id` of the KEM (§4.1) and of the whole suite (§5.1). */
const KEM_SUITE_ID = Uint8Array.of(0x4b, 0x45, 0x4d, ...i2osp2(HPKE_KEM_X25519_HKDF_SHA256));

function i2osp2(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function hpkeSuiteId(aead: number): Uint8Array {
  return Uint8Array.of(
    ...ascii('HPKE'),
    ...i2osp2(HPKE_KEM_X25519_HKDF_SHA256),
    ...i2osp2(HPKE_KDF_HKDF_SHA256),
    ...i2osp2(aead),
  );
}

/** `"HPKE-v1" || suite_id || label`: what LabeledExtract puts before its `ikm` (§4). */
function extractLabel(suiteId: Uint8Array, label: string): Uint8Array {
  return Uint8Array.of(...ascii('HPKE-v1'), ...suiteId, ...ascii(label));
}

/** `I2OSP(L, 2) || "HPKE-v1" || suite_id || label`: what LabeledExpand puts before its `info` (§4). */
function expandLabel(suiteId: Uint8Array, label: string, length: number): Uint8Array {
  return Uint8Array.of(...i2osp2(length), ...extractLabel(suiteId, label));
}

/** HKDF-Extract (RFC 5869 §2.2) of `prefix || ikm`; an empty salt is HashLen zeros. */
function labeledExtract(salt: Uint8Array, prefix: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt.byteLength === 0 ? ZERO_SALT : salt)
    .update(prefix)
    .update(ikm)
    .digest();
}

const FIRST_BLOCK = Uint8Array.of(1);

/** HKDF-Expand (RFC 5869 §2.3) of `prefix || info` to `length` ≤ HashLen bytes: its first block, cut. */
function labeledExpand(prk: Uint8Array, prefix: Uint8Array, info: Uint8Array, length: number): Buffer {
  const block = createHmac('sha256', prk).update(prefix).update(info).update(FIRST_BLOCK).digest();
  return length === HASH_BYTES ? block : block.subarray(0, length);
}

interface SuiteLabels {
  readonly cipher: 'aes-256-gcm' | 'chacha20-poly1305';
  readonly pskIdHash: Buffer;
  readonly infoHash: Uint8Array;
  readonly secret: Uint8Array;
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
}

const KEM_EAE_PRK = extractLabel(KEM_SUITE_ID, 'eae_prk');
const KEM_SHARED_SECRET = expandLabel(KEM_SUITE_ID, 'shared_secret', HASH_BYTES);

function labelsFor(aead: number): SuiteLabels {
  const suiteId = hpkeSuiteId(aead);
  return {
    cipher: aead === HPKE_AEAD_AES_256_GCM ? 'aes-256-gcm' : 'chacha20-poly1305',
    // Base and auth modes have no PSK: its id hash is a constant of the suite.
    pskIdHash: labeledExtract(EMPTY, extractLabel(suiteId, 'psk_id_hash'), EMPTY),
    infoHash: extractLabel(suiteId, 'info_hash'),
    secret: extractLabel(suiteId, 'secret'),
    key: expandLabel(suiteId, 'key', KEY_BYTES),
    baseNonce: expandLabel(suiteId, 'base_nonce', NONCE_BYTES),
  };
}

const labelsByAead = new Map<number, SuiteLabels>();

function suiteLabels(aead: number): SuiteLabels {
  let labels = labelsByAead.get(aead);
  if (labels === undefined) {
    labels = labelsFor(aead);
    labelsByAead.set(aead, labels);
  }
  return labels;
}

/**
 * The sender of an auth-mode message (RFC 9180 §5.1.3): its static public key and, when the recipient computed it
 * beforehand (`authSenderOf`), DH(skR, pkS), which is the same for every message that sender seals to that key.
 * `staticSecret` is secret: its holder zeroes it.
 */
export interface AuthSender {
  readonly publicRaw: Uint8Array;
  readonly staticSecret?: Uint8Array | undefined;
}

/**
 * `sender` with DH(skR, pkS) computed now, so that opening its messages costs one X25519 instead of two. Throws
 * like the DH (a small-order key). The caller zeroes `staticSecret` when it discards the recipient key.
 */
export function authSenderOf(
  recipient: RecipientKeys,
  senderPublicRaw: Uint8Array,
): AuthSender & { readonly staticSecret: Uint8Array } {
  const publicRaw = senderPublicRaw.slice();
  return {
    publicRaw,
    staticSecret: x25519SharedSecret(
      recipientKeyPairFrom(recipient).privateKey,
      nodeX25519PublicKey(publicRaw),
    ),
  };
}

/**
 * RFC 9180's `Open(enc, skR, info, aad, ct)`: the plaintext of `ciphertext`, in base mode, or in auth mode when
 * `sender` is given (`AuthDecap`, §4.1: the DH of the ephemeral and of the sender's static key). Throws
 * (node:crypto's or libsodium's error, or a `RangeError`) when it does not open: a wrong key, sender, `enc`,
 * `info` or `aad`, a small-order `enc`, or altered bytes. Every intermediate secret is zeroed before it returns.
 */
export function openSingleShot(
  suite: HpkeSuiteIds,
  recipient: RecipientKeys,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  sender?: AuthSender,
): Uint8Array {
  if (ciphertext.byteLength < HPKE_TAG_BYTES) throw new RangeError('ciphertext shorter than the tag');
  const labels = suiteLabels(suite.aead);
  const secrets: Uint8Array[] = [];
  try {
    // Decap (§4.1): shared_secret = ExtractAndExpand(DH(skR, pkE), enc || pkRm); AuthDecap appends DH(skR, pkS)
    // to the DH and pkSm to the KEM context.
    const recipientKey = recipientKeyPairFrom(recipient).privateKey;
    let dh = x25519SharedSecret(recipientKey, nodeX25519PublicKey(enc));
    secrets.push(dh);
    let kemContext = Buffer.concat([enc, recipient.publicRaw]);
    if (sender !== undefined) {
      let staticSecret = sender.staticSecret;
      if (staticSecret === undefined) {
        staticSecret = x25519SharedSecret(recipientKey, nodeX25519PublicKey(sender.publicRaw));
        secrets.push(staticSecret);
      }
      // Its own buffer, not one from node's shared pool: it is secret, and zeroed below.
      const both = new Uint8Array(2 * HASH_BYTES);
      both.set(dh);
      both.set(staticSecret, HASH_BYTES);
      dh = both;
      secrets.push(dh);
      kemContext = Buffer.concat([kemContext, sender.publicRaw]);
    }
    const eaePrk = labeledExtract(EMPTY, KEM_EAE_PRK, dh);
    secrets.push(eaePrk);
    const sharedSecret = labeledExpand(eaePrk, KEM_SHARED_SECRET, kemContext, HASH_BYTES);
    secrets.push(sharedSecret);
    // KeySchedule (§5.1): an empty psk and psk_id in both modes.
    const context = Buffer.concat([
      Uint8Array.of(sender === undefined ? MODE_BASE : MODE_AUTH),
      labels.pskIdHash,
      labeledExtract(EMPTY, labels.infoHash, info),
    ]);
    const secret = labeledExtract(sharedSecret, labels.secret, EMPTY);
    secrets.push(secret);
    const key = labeledExpand(secret, labels.key, context, KEY_BYTES);
    secrets.push(key);
    // The first message's nonce is base_nonce itself (sequence number 0).
    const nonce = labeledExpand(secret, labels.baseNonce, context, NONCE_BYTES);
    const tagAt = ciphertext.byteLength - HPKE_TAG_BYTES;
    const decipher = createDecipheriv(labels.cipher as 'aes-256-gcm', key, nonce, {
      authTagLength: HPKE_TAG_BYTES,
    });
    decipher.setAAD(aad);
    decipher.setAuthTag(ciphertext.subarray(tagAt));
    const body = decipher.update(ciphertext.subarray(0, tagAt));
    const last = decipher.final(); // throws when the tag does not verify
    if (last.byteLength === 0) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    secrets.push(body, last);
    // Its own buffer, not one from node's shared pool, so that it can be zeroed or transferred alone.
    const plaintext = new Uint8Array(body.byteLength + last.byteLength);
    plaintext.set(body);
    plaintext.set(last, body.byteLength);
    return plaintext;
  } finally {
    for (const bytes of secrets) bytes.fill(0);
  }
}
