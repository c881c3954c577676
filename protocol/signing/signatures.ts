import { type KeyObject, sign, verify } from 'node:crypto';
import { sodium } from '../../common/sodium.js';
import { toBeSigned } from '../codec/canonical.js';
import { ProtocolError } from '../errors.js';
import {
  type ImportedSigningKey,
  importedSigningKeyOf,
  type SigningPublicKey,
  signingPublicKeyOf,
} from './keys.js';

export const SIGNATURE_BYTES = 64;

/** Signs canonical CBOR of [context, body]. ES256 signatures are raw r||s (IEEE P1363), 64 bytes. */
export function signProtocolValue(context: string, body: unknown, privateKey: KeyObject): Uint8Array {
  const data = toBeSigned(context, body);
  const { alg } = signingPublicKeyOf(privateKey);
  const signature =
    alg === 'Ed25519'
      ? sign(null, data, privateKey)
      : sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return new Uint8Array(signature);
}

/** True when `signature` is `publicKey`'s over canonical CBOR of [context, body]. A bad key is `KEY_INVALID`. */
export function verifyProtocolSignature(
  context: string,
  body: unknown,
  signature: Uint8Array,
  publicKey: SigningPublicKey | ImportedSigningKey,
): boolean {
  const imported = 'key' in publicKey ? publicKey : importedSigningKeyOf(publicKey);
  if (signature.byteLength !== SIGNATURE_BYTES) return false;
  const data = toBeSigned(context, body);
  try {
    if (imported.alg === 'ES256') {
      return verify('sha256', data, { key: imported.key, dsaEncoding: 'ieee-p1363' }, signature);
    }
    const libsodium = sodium();
    return libsodium && imported.raw
      ? libsodium.crypto_sign_verify_detached(signature, data, imported.raw)
      : verify(null, data, imported.key, signature);
  } catch {
    return false;
  }
}

/** Throws `SIGNATURE_INVALID` naming `what` unless the signature verifies. */
export function assertProtocolSignature(
  context: string,
  body: unknown,
  signature: Uint8Array,
  publicKey: SigningPublicKey | ImportedSigningKey,
  what: string,
): void {
  if (!verifyProtocolSignature(context, body, signature, publicKey)) {
    throw new ProtocolError(
      'SIGNATURE_INVALID',
      `${what}: the signature does not verify with the signer's key`,
    );
  }
}
