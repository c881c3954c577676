import { decodeStrictCbor } from '../../common/cbor/index.js';
import { cborToPlain } from '../../protocol/index.js';
import { type AnyMpcFunction, FunctionError, parseInput } from '../functions/index.js';

/**
 * A decrypted input as its function reads it: strict CBOR (bounded depth), text-keyed maps as plain objects (what
 * the function schemas take: votes, bids, regression rows), then the function's own input schema.
 */
export function readInputValue(fn: AnyMpcFunction, partyId: string, plaintext: Uint8Array): unknown {
  let plain: unknown;
  try {
    plain = cborToPlain(decodeStrictCbor(plaintext, { maxDepth: 16 }));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // cborToPlain refuses keys such as `__proto__`.
    throw new FunctionError(
      'FUNCTION_INPUT_INVALID',
      `the input of "${partyId}" has a forbidden key: ${error.message}`,
    );
  }
  return parseInput(fn, partyId, plain);
}
