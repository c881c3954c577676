import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countFunction,
  histogramFunction,
  maxFunction,
  meanFunction,
  medianFunction,
  minFunction,
  quantilesFunction,
  sumFunction,
} from '../../enclave/functions/index.js';
import { codeOf, run } from './support.js';

describe('statistics', () => {
  it('sums single values and lists, compensated', async () => {
    expect(await run(sumFunction, {}, { a: 1, b: [2, 3], c: [] })).toEqual({ sum: 6, count: 3 });
    expect(await run(sumFunction, {}, { a: [1e16, 1, -1e16] })).toEqual({ sum: 1, count: 3 });
    expect(await run(sumFunction, {}, { a: [] })).toEqual({ sum: 0, count: 0 });
  });

  it('refuses NaN, Infinity and non-numbers with FUNCTION_INPUT_INVALID', async () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, [1, Number.NEGATIVE_INFINITY], '1', [null]]) {
      expect(await codeOf(run(sumFunction, {}, { a: bad }))).toBe('FUNCTION_INPUT_INVALID');
    }
    expect(await codeOf(run(sumFunction, { extra: 1 }, { a: 1 }))).toBe('FUNCTION_PARAMETERS_INVALID');
  });

  it('reports an overflowing sum as FUNCTION_RESULT_UNDEFINED', async () => {
    expect(await codeOf(run(sumFunction, {}, { a: [Number.MAX_VALUE, Number.MAX_VALUE] }))).toBe(
      'FUNCTION_RESULT_UNDEFINED',
    );
  });

  it('means, even of huge values, and refuses the mean of nothing', async () => {
    expect(await run(meanFunction, {}, { a: 10, b: 20, c: 60 })).toEqual({ mean: 30, count: 3 });
    expect((await run(meanFunction, {}, { a: [Number.MAX_VALUE, Number.MAX_VALUE] })).mean).toBe(
      Number.MAX_VALUE,
    );
    expect(await codeOf(run(meanFunction, {}, { a: [], b: [] }))).toBe('FUNCTION_RESULT_UNDEFINED');
  });

  it('mean equals sum / count (property)', async () => {
    const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 50 });
    await fc.assert(
      fc.asyncProperty(values, values, async (a, b) => {
        const { sum, count } = await run(sumFunction, {}, { a, b });
        const { mean } = await run(meanFunction, {}, { a, b });
        expect(mean).toBeCloseTo(sum / count, 6);
      }),
    );
  });

  it('medians odd and even counts, single party, ties', async () => {
    expect((await run(medianFunction, {}, { a: [5, 1], b: 3 })).median).toBe(3);
    expect((await run(medianFunction, {}, { a: [4, 1, 3, 2] })).median).toBe(2.5);
    expect((await run(medianFunction, {}, { a: [7, 7], b: [7] })).median).toBe(7);
    expect(await codeOf(run(medianFunction, {}, { a: [] }))).toBe('FUNCTION_RESULT_UNDEFINED');
  });

  it('finds min and max across parties', async () => {
    expect(await run(minFunction, {}, { a: [3, -2], b: 8 })).toEqual({ min: -2 });
    expect(await run(maxFunction, {}, { a: [3, -2], b: 8 })).toEqual({ max: 8 });
    expect(await codeOf(run(maxFunction, {}, { a: [] }))).toBe('FUNCTION_RESULT_UNDEFINED');
  });

  it('counts values', async () => {
    expect(await run(countFunction, {}, { a: [1, 2], b: 3, c: [] })).toEqual({ count: 3 });
  });

  it('bins values, the last bin closed, with below and above', async () => {
    const result = await run(
      histogramFunction,
      { edges: [0, 10, 20] },
      { a: [-1, 0, 9.99, 10], b: [20, 20.5, 5] },
    );
    expect(result).toEqual({ counts: [3, 2], below: 1, above: 1 });
    expect(await codeOf(run(histogramFunction, { edges: [0, 0, 1] }, { a: 1 }))).toBe(
      'FUNCTION_PARAMETERS_INVALID',
    );
    expect(await codeOf(run(histogramFunction, { edges: [0] }, { a: 1 }))).toBe(
      'FUNCTION_PARAMETERS_INVALID',
    );
  });

  it('interpolates quantiles like numpy (type 7)', async () => {
    const result = await run(
      quantilesFunction,
      { probabilities: [0, 0.25, 0.5, 0.9, 1] },
      { a: [1, 2, 3], b: [4] },
    );
    expect(result.quantiles).toEqual([1, 1.75, 2.5, 3.7, 4]);
    expect(await codeOf(run(quantilesFunction, { probabilities: [1.5] }, { a: 1 }))).toBe(
      'FUNCTION_PARAMETERS_INVALID',
    );
    expect(await codeOf(run(quantilesFunction, { probabilities: [0.5] }, { a: [] }))).toBe(
      'FUNCTION_RESULT_UNDEFINED',
    );
  });
});
