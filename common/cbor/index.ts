export {
  CanonicalCborError,
  decodeCanonicalCbor,
  encodeCanonicalCbor,
  isCanonicalCbor,
} from './canonical.js';
export { decodeStrictCbor } from './decode.js';
export { encodeCbor, encodeCborIndefiniteMap } from './encode.js';
export { assertWellFormedCbor, CborFormatError, type WellFormedOptions } from './well-formed.js';
