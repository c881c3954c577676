import { describe, expect, it } from 'vitest';
import { olsFunction } from '../../enclave/functions/index.js';
import { codeOf, run } from './support.js';

describe('ordinary least squares', () => {
  it('recovers exact coefficients from rows pooled over parties', async () => {
    const f = (x1: number, x2: number) => 3 - 2 * x1 + 0.5 * x2;
    const rows = [
      [1, 2],
      [2, 7],
      [3, 1],
      [4, 4],
      [5, 9],
    ] as const;
    const result = await run(
      olsFunction,
      { features: 2 },
      {
        a: { x: rows.slice(0, 2), y: rows.slice(0, 2).map(([x1, x2]) => f(x1, x2)) },
        b: { x: rows.slice(2), y: rows.slice(2).map(([x1, x2]) => f(x1, x2)) },
      },
    );
    expect(result.intercept).toBeCloseTo(3, 10);
    expect(result.coefficients[0]).toBeCloseTo(-2, 10);
    expect(result.coefficients[1]).toBeCloseTo(0.5, 10);
    expect(result.rSquared).toBeCloseTo(1, 10);
    expect(result.rows).toBe(5);
  });

  it('fits a noisy line without intercept and with badly scaled columns', async () => {
    const x = [[1e-8], [2e-8], [3e-8], [4e-8]];
    const y = [1.1, 1.9, 3.05, 4.0];
    const result = await run(olsFunction, { features: 1, intercept: false }, { a: { x, y } });
    const expected = (1.1 * 1 + 1.9 * 2 + 3.05 * 3 + 4 * 4) / (1 + 4 + 9 + 16) / 1e-8;
    expect(result.intercept).toBeNull();
    expect(result.coefficients[0]).toBeCloseTo(expected, 0);
    expect((result.coefficients[0] as number) / expected).toBeCloseTo(1, 12);
  });

  it('refuses a singular design (collinear columns, constant column with intercept, too few rows)', async () => {
    const collinear = {
      x: [
        [1, 2],
        [2, 4],
        [3, 6],
        [4, 8],
      ],
      y: [1, 2, 3, 4],
    };
    expect(await codeOf(run(olsFunction, { features: 2 }, { a: collinear }))).toBe(
      'FUNCTION_RESULT_UNDEFINED',
    );
    const constant = { x: [[5], [5], [5]], y: [1, 2, 3] };
    expect(await codeOf(run(olsFunction, { features: 1 }, { a: constant }))).toBe(
      'FUNCTION_RESULT_UNDEFINED',
    );
    expect(await codeOf(run(olsFunction, { features: 1 }, { a: { x: [[1]], y: [1] } }))).toBe(
      'FUNCTION_RESULT_UNDEFINED',
    );
  });

  it('refuses rows of the wrong width, mismatched lengths and non-finite values', async () => {
    expect(await codeOf(run(olsFunction, { features: 2 }, { a: { x: [[1]], y: [1] } }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    expect(await codeOf(run(olsFunction, { features: 1 }, { a: { x: [[1], [2]], y: [1] } }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
    expect(await codeOf(run(olsFunction, { features: 1 }, { a: { x: [[Number.NaN]], y: [1] } }))).toBe(
      'FUNCTION_INPUT_INVALID',
    );
  });
});
