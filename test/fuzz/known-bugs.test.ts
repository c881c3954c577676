/**
 * Regressions for fuzzing findings in enclave/sessions: map-shaped inputs (votes, bids, regression rows) reached the
 * function schemas as CBOR `Map`s and were always refused.
 */
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../common/cbor/index.js';
import { getFunction, listFunctions, parseInput } from '../../enclave/functions/index.js';
import { readInputValue } from '../../enclave/sessions/input-value.js';

/** What the session does with a decrypted input, on what the SDK sends (encodeCbor). */
function asTheSessionReadsIt(id: string, value: unknown): unknown {
  const descriptor = listFunctions().find((d) => d.id === id);
  if (!descriptor) throw new Error(`no function ${id}`);
  const fn = getFunction(descriptor.id, descriptor.version);
  return readInputValue(fn, 'alice', encodeCbor(value));
}

describe('map-shaped inputs reach the function schemas as plain objects', () => {
  for (const [id, value] of [
    ['vote-tally', { choice: 'yes' }],
    ['auction-second-price', { bid: '900' }],
    ['ols', { x: [[1]], y: [2] }],
  ] as const) {
    it(`${id} accepts ${JSON.stringify(value)} as the SDK sends it`, () => {
      expect(() => asTheSessionReadsIt(id, value)).not.toThrow();
    });
  }

  it('accepts the same values as plain objects (so the schemas are right and only the decoding differs)', () => {
    const fn = (id: string) => {
      const d = listFunctions().find((f) => f.id === id);
      if (!d) throw new Error(id);
      return getFunction(d.id, d.version);
    };
    expect(parseInput(fn('vote-tally'), 'alice', { choice: 'yes' })).toEqual({ choice: 'yes' });
    expect(parseInput(fn('auction-second-price'), 'alice', { bid: '900' })).toEqual({ bid: '900' });
  });
});

describe('a decrypted input with a forbidden map key', () => {
  it('is refused with FUNCTION_INPUT_INVALID, not a TypeError', () => {
    const poisoned = new Map<string, unknown>([['__proto__', 1]]);
    expect(() => asTheSessionReadsIt('vote-tally', poisoned)).toThrow(
      expect.objectContaining({ code: 'FUNCTION_INPUT_INVALID' }),
    );
  });
});
