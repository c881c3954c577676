import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import { encodeCbor } from '../../common/cbor/index.js';
import type { EcdsaAlgorithm } from './algorithms.js';
import { CoseError } from './errors.js';
import { sigStructure } from './sig-structure.js';
import { COSE_SIGN1_TAG, HEADER_ALG } from './sign1.js';

export interface SignCoseSign1Options {
  /** Prefix the message with tag 18. NSM writes untagged messages. */
  readonly tagged?: boolean;
  readonly externalAad?: Uint8Array;
  /** Unprotected header; empty by default, as in NSM documents. */
  readonly unprotected?: ReadonlyMap<number | string, unknown>;
}

/**
 * Produces a COSE_Sign1 message (RFC 9052 §4.2) whose protected header is `{1: alg}`, signed with an EC private key
 * on the algorithm's curve; the signature is raw r||s. Used by the simulated NSM and by tests.
 */
export function signCoseSign1(
  payload: Uint8Array,
  privateKey: KeyObject,
  algorithm: EcdsaAlgorithm,
  options: SignCoseSign1Options = {},
): Uint8Array {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyDetails?.namedCurve !== algorithm.curve) {
    throw new CoseError(
      'COSE_KEY_INVALID',
      `${algorithm.name} signing needs a private key on ${algorithm.curve}`,
    );
  }
  const protectedBytes = encodeCbor(new Map([[HEADER_ALG, algorithm.label]]));
  const toBeSigned = sigStructure(protectedBytes, options.externalAad ?? new Uint8Array(0), payload);
  const signature = cryptoSign(algorithm.hash, toBeSigned, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const message = encodeCbor([
    protectedBytes,
    options.unprotected ?? new Map(),
    payload,
    new Uint8Array(signature),
  ]);
  if (!options.tagged) return message;
  return new Uint8Array(Buffer.concat([Uint8Array.of(0xc0 | COSE_SIGN1_TAG), message]));
}
