export { type EcdsaAlgorithm, ES256, ES384, ES512 } from './algorithms.js';
export { COSE_ERROR_CODES, CoseError, type CoseErrorCode } from './errors.js';
export { sigStructure } from './sig-structure.js';
export { type SignCoseSign1Options, signCoseSign1 } from './sign.js';
export {
  COSE_SIGN1_TAG,
  type CoseHeaderMap,
  type CoseSign1,
  type CoseSign1Parts,
  type DecodeCoseSign1Options,
  decodeCoseSign1,
  parseCoseSign1Parts,
  splitCoseSign1,
} from './sign1.js';
export {
  type CoseVerifyKey,
  coseSign1Algorithm,
  type VerifiedCoseSign1,
  type VerifyCoseSign1Options,
  type VerifyDecodedOptions,
  verifyCoseSign1,
  verifyDecodedCoseSign1,
  verifyDecodedCoseSign1Async,
} from './verify.js';
