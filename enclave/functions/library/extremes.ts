import { FunctionError } from '../errors.js';
import type { PartyInputs } from '../types.js';

/** The smallest or largest value over every party (no pooled copy). */
export function extremeValue(inputs: PartyInputs<readonly number[]>, direction: 'min' | 'max'): number {
  let best = direction === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  let seen = false;
  for (const values of inputs.values()) {
    for (const value of values) {
      seen = true;
      if (direction === 'min' ? value < best : value > best) best = value;
    }
  }
  if (!seen) {
    throw new FunctionError('FUNCTION_RESULT_UNDEFINED', `the ${direction} of no values is undefined`, {
      details: { reason: 'no values' },
    });
  }
  return best;
}
