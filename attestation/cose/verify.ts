import { createPublicKey, verify as cryptoVerify, KeyObject, type webcrypto } from 'node:crypto';
import { type EcdsaAlgorithm, ecdsaAlgorithmByLabel } from './algorithms.js';
import { CoseError } from './errors.js';
import { sigStructure } from './sig-structure.js';
import { type CoseSign1, decodeCoseSign1, HEADER_ALG, HEADER_CRIT } from './sign1.js';

/** A verification key as a caller may hold it. */
export type CoseVerifyKey = KeyObject | webcrypto.CryptoKey | webcrypto.JsonWebKey;

export interface VerifyCoseSign1Options {
  /** External additional authenticated data (RFC 9052 §4.3); empty by default. */
  readonly externalAad?: Uint8Array;
  /** Algorithm names accepted; default all of ES256, ES384, ES512. */
  readonly algorithms?: readonly EcdsaAlgorithm['name'][];
  /** Refuse larger inputs before parsing anything. */
  readonly maxBytes?: number;
}

export interface VerifiedCoseSign1 extends CoseSign1 {
  readonly algorithm: EcdsaAlgorithm['name'];
}

function isCryptoKey(key: CoseVerifyKey): key is webcrypto.CryptoKey {
  // Node 20 exposes CryptoKey only as a global; compare against it when present.
  const ctor = (globalThis as { CryptoKey?: abstract new () => unknown }).CryptoKey;
  return ctor !== undefined && key instanceof ctor;
}

function toKeyObject(key: CoseVerifyKey): KeyObject {
  try {
    if (key instanceof KeyObject) return key;
    if (isCryptoKey(key)) return KeyObject.from(key);
    return createPublicKey({ key: key as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch (cause) {
    throw new CoseError('COSE_KEY_INVALID', 'the verification key could not be loaded', { cause });
  }
}

/** Reads and checks the algorithm a message claims. Exported for callers that pin one algorithm. */
export function coseSign1Algorithm(message: CoseSign1, allowed?: readonly string[]): EcdsaAlgorithm {
  if (message.protectedHeader.has(HEADER_CRIT)) {
    throw new CoseError('COSE_MALFORMED', 'the message marks header parameters critical; none are supported');
  }
  const label = message.protectedHeader.get(HEADER_ALG);
  if (label === undefined) {
    throw new CoseError('COSE_ALGORITHM_UNSUPPORTED', 'the protected header names no algorithm');
  }
  const algorithm = typeof label === 'number' ? ecdsaAlgorithmByLabel(label) : undefined;
  if (algorithm === undefined || (allowed !== undefined && !allowed.includes(algorithm.name))) {
    throw new CoseError('COSE_ALGORITHM_UNSUPPORTED', `algorithm ${String(label)} is not accepted here`);
  }
  return algorithm;
}

export interface VerifyDecodedOptions {
  readonly externalAad?: Uint8Array | undefined;
  /** The key's curve when the caller already knows it (e.g. from its certificate): reading it costs a key export. */
  readonly keyCurve?: string | undefined;
}

/** Checks key and signature shape; returns the bytes the signature covers. */
function prepareVerification(
  message: CoseSign1,
  key: KeyObject,
  algorithm: EcdsaAlgorithm,
  options: VerifyDecodedOptions,
): Buffer {
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ec') {
    throw new CoseError('COSE_KEY_INVALID', 'the verification key is not an EC public key');
  }
  const curve = options.keyCurve ?? key.asymmetricKeyDetails?.namedCurve;
  if (curve !== algorithm.curve) {
    throw new CoseError('COSE_KEY_INVALID', `${algorithm.name} needs a key on ${algorithm.curve}`);
  }
  if (message.signature.byteLength !== algorithm.signatureLength) {
    throw new CoseError(
      'COSE_BAD_SIGNATURE',
      `${algorithm.name} signature must be ${algorithm.signatureLength} bytes, got ${message.signature.byteLength}`,
    );
  }
  return sigStructure(message.protectedBytes, options.externalAad ?? new Uint8Array(0), message.payload);
}

const BAD_SIGNATURE = 'the COSE_Sign1 signature does not verify';

/**
 * Verifies an already decoded COSE_Sign1 with a node:crypto `KeyObject`, on this thread. The signature must be the
 * raw r||s form COSE specifies, of exactly the algorithm's length.
 */
export function verifyDecodedCoseSign1(
  message: CoseSign1,
  key: KeyObject,
  algorithm: EcdsaAlgorithm,
  options: VerifyDecodedOptions = {},
): void {
  const data = prepareVerification(message, key, algorithm, options);
  const ok = cryptoVerify(algorithm.hash, data, { key, dsaEncoding: 'ieee-p1363' }, message.signature);
  if (!ok) throw new CoseError('COSE_BAD_SIGNATURE', BAD_SIGNATURE);
}

/** `verifyDecodedCoseSign1` on libuv's thread pool, leaving the event loop free. */
export function verifyDecodedCoseSign1Async(
  message: CoseSign1,
  key: KeyObject,
  algorithm: EcdsaAlgorithm,
  options: VerifyDecodedOptions = {},
): Promise<void> {
  let data: Buffer;
  try {
    data = prepareVerification(message, key, algorithm, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    cryptoVerify(algorithm.hash, data, { key, dsaEncoding: 'ieee-p1363' }, message.signature, (error, ok) => {
      if (error || !ok)
        reject(new CoseError('COSE_BAD_SIGNATURE', BAD_SIGNATURE, { cause: error ?? undefined }));
      else resolve();
    });
  });
}

/**
 * Verifies a COSE_Sign1 message (tagged or untagged) signed with ES256, ES384 or ES512 and returns it decoded.
 *
 * @example
 * const { payload } = await verifyCoseSign1(bytes, publicJwk, { algorithms: ['ES384'] });
 */
export async function verifyCoseSign1(
  bytes: Uint8Array,
  key: CoseVerifyKey,
  options: VerifyCoseSign1Options = {},
): Promise<VerifiedCoseSign1> {
  const message = decodeCoseSign1(
    bytes,
    options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes },
  );
  const algorithm = coseSign1Algorithm(message, options.algorithms);
  await verifyDecodedCoseSign1Async(message, toKeyObject(key), algorithm, {
    externalAad: options.externalAad,
  });
  return { ...message, algorithm: algorithm.name };
}
