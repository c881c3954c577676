import { FunctionError } from '../errors.js';
import type { PartyInputs } from '../types.js';
import { partiesInOrder } from './party-order.js';

/** Every party's values in one array, in party-id order so that floating-point results are reproducible. */
export function poolValues(inputs: PartyInputs<readonly number[]>): Float64Array {
  const parties = partiesInOrder(inputs);
  let total = 0;
  for (const [, values] of parties) total += values.length;
  const pooled = new Float64Array(total);
  let offset = 0;
  for (const [, values] of parties) {
    pooled.set(values, offset);
    offset += values.length;
  }
  return pooled;
}

/** Pooled values sorted ascending (typed-array sort is numeric). */
export function sortedPool(inputs: PartyInputs<readonly number[]>): Float64Array {
  return poolValues(inputs).sort();
}

/** Neumaier's compensated sum: error independent of the count, unlike a naive loop. */
export function compensatedSum(values: Float64Array): number {
  let sum = 0;
  let compensation = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    const next = sum + value;
    compensation += Math.abs(sum) >= Math.abs(value) ? sum - next + value : value - next + sum;
    sum = next;
  }
  return sum + compensation;
}

export function requireValues(values: Float64Array, what: string): void {
  if (values.length === 0) {
    throw new FunctionError('FUNCTION_RESULT_UNDEFINED', `the ${what} of no values is undefined`, {
      details: { reason: 'no values' },
    });
  }
}

/** Finite doubles can still overflow when combined. */
export function requireFinite(value: number, what: string): number {
  if (!Number.isFinite(value)) {
    throw new FunctionError('FUNCTION_RESULT_UNDEFINED', `the ${what} overflows a double`, {
      details: { reason: 'overflow' },
    });
  }
  return value;
}

/** Quantile of sorted values by linear interpolation between closest ranks (Hyndman & Fan type 7, numpy's default). */
export function sortedQuantile(sorted: Float64Array, probability: number): number {
  const position = (sorted.length - 1) * probability;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  // a + (b - a) * t overflows for opposite extremes; the weighted form cannot exceed max(|a|, |b|).
  const t = position - lower;
  return t === 0 ? a : a * (1 - t) + b * t;
}
