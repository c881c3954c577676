export { decodeStrictCbor } from './decode.js';
export { assertWellFormedCbor, CborFormatError, type WellFormedOptions } from './well-formed.js';
