/**
 * enclave/functions parseInput on a decrypted input, exactly as the session reads one (strict CBOR, 16 levels
 * deep at most, then the function's input schema), for every function of the library: inside the enclave, the
 * one parser that sees secrets. Refusals are CBOR_MALFORMED or FUNCTION_INPUT_INVALID, never anything else.
 */
import { CborFormatError, decodeStrictCbor, encodeCbor } from '../../../common/cbor/index.js';
import { FunctionError, getFunction, listFunctions, parseInput } from '../../../enclave/functions/index.js';
import { packSetItems } from '../../../protocol/index.js';
import { type FuzzTarget, refusedOrValidSync } from '../support/target.js';

const name = 'function-input';
const functions = listFunctions().map((d) => getFunction(d.id, d.version));
const refusals = [{ type: CborFormatError }, { type: FunctionError, codes: ['FUNCTION_INPUT_INVALID'] }];

export const functionInputTarget: FuzzTarget = {
  name,
  parser: `enclave/functions parseInput, for each of ${functions.length} functions`,
  async seeds() {
    const set = packSetItems(['alice@example.com', 'bob@example.com']);
    return [
      [100_000, 120_000.5, -3],
      42,
      'a text input',
      new Uint8Array([1, 2, 3]),
      ['alice@example.com', 'bob@example.com'],
      new Map([['choice', 'yes']]),
      new Map([['bid', '900']]),
      new Map<string, unknown>([
        [
          'x',
          [
            [1, 2],
            [3, 4],
          ],
        ],
        ['y', [5, 6]],
      ]),
      new Map<string, unknown>([
        ['kind', set.kind],
        ['count', set.count],
        ['data', set.data],
      ]),
    ].map((value) => encodeCbor(value));
  },
  run(bytes) {
    const value = refusedOrValidSync(name, refusals, () => decodeStrictCbor(bytes, { maxDepth: 16 }));
    if (value === undefined) return;
    for (const fn of functions) refusedOrValidSync(name, refusals, () => parseInput(fn, 'alice', value));
  },
};
