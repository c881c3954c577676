export { decodeProtocolValue, encodeProtocolValue, toBeSigned } from './canonical.js';
export { CONTEXTS } from './contexts.js';
export { cborToPlain } from './plain.js';
export {
  base64Schema,
  bytesSchema,
  epochMsSchema,
  identifierSchema,
  lowerHexSchema,
  parseWith,
  SESSION_ID_BYTES,
  sessionIdSchema,
} from './schema.js';
