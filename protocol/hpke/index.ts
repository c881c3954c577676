export {
  assertBindingMatches,
  type InputBinding,
  type InputSealMode,
  inputBindingSchema,
  inputInfo,
  roundSchema,
} from './binding.js';
export {
  type InputEnvelope,
  inputCommitment,
  inputEnvelopeSchema,
  MAX_ENVELOPE_PLAINTEXT_BYTES,
  type OpenedInput,
  openInput,
  type SealInputParams,
  sealInput,
} from './envelope.js';
export {
  exportHpkePrivateKey,
  generateHpkeKeyPair,
  type HpkeKeyPair,
  type HpkePrivateKey,
  type HpkePublicKey,
  hpkePublicKeySchema,
  importHpkePrivateKey,
  importHpkePublicKey,
} from './keys.js';
export {
  type InputChunk,
  type InputStreamHeader,
  InputStreamOpener,
  InputStreamSealer,
  inputChunkSchema,
  inputStreamHeaderSchema,
  MAX_CHUNK_PLAINTEXT_BYTES,
  MAX_CHUNKS,
  type OpenedInputStream,
  type SealInputStreamParams,
} from './stream.js';
export {
  cipherSuiteFor,
  HPKE_AEAD_AES_256_GCM,
  HPKE_AEAD_CHACHA20_POLY1305,
  HPKE_ENC_BYTES,
  HPKE_KDF_HKDF_SHA256,
  HPKE_KEM_X25519_HKDF_SHA256,
  HPKE_TAG_BYTES,
  type HpkeAead,
  type HpkeSuiteIds,
  hpkeSuiteIdsSchema,
  suiteIdsOf,
} from './suites.js';
