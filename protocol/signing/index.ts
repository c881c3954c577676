export {
  exportSigningPrivateKey,
  generateSigningKeyPair,
  importSigningPrivateKey,
  importSigningPublicKey,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningKeyPair,
  type SigningPublicKey,
  signingPublicKeyOf,
  signingPublicKeySchema,
} from './keys.js';
export {
  assertProtocolSignature,
  type ImportedSigningKey,
  importedSigningKeyOf,
  SIGNATURE_BYTES,
  signProtocolValue,
  verifyProtocolSignature,
} from './signatures.js';
