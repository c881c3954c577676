export {
  exportSigningPrivateKey,
  generateSigningKeyPair,
  type ImportedSigningKey,
  importedSigningKeyOf,
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
  SIGNATURE_BYTES,
  signProtocolValue,
  verifyProtocolSignature,
} from './signatures.js';
