import { z } from 'zod';
import { defineFunction } from '../define.js';
import { FunctionError } from '../errors.js';
import { finiteNumber } from '../schemas.js';
import { solveLeastSquares } from '../support/householder-least-squares.js';
import { compensatedSum } from '../support/numeric.js';
import { partiesInOrder } from '../support/party-order.js';
import type { PartyInputs } from '../types.js';

export const MAX_OLS_ROWS_PER_PARTY = 1 << 18;
export const MAX_OLS_FEATURES = 64;

const olsInput = z
  .strictObject({
    x: z.array(z.array(finiteNumber).max(MAX_OLS_FEATURES)).max(MAX_OLS_ROWS_PER_PARTY),
    y: z.array(finiteNumber).max(MAX_OLS_ROWS_PER_PARTY),
  })
  .refine((input) => input.x.length === input.y.length, 'x and y must have as many rows');

/** The design matrix column by column (intercept first) and y, pooled in party-id order. */
export function poolRows(
  inputs: PartyInputs<z.output<typeof olsInput>>,
  features: number,
  intercept: boolean,
): { columns: Float64Array[]; y: Float64Array } {
  const parties = partiesInOrder(inputs);
  const n = parties.reduce((sum, [, input]) => sum + input.y.length, 0);
  const offset = intercept ? 1 : 0;
  const columns = Array.from({ length: features + offset }, () => new Float64Array(n));
  const y = new Float64Array(n);
  let row = 0;
  for (const [partyId, input] of parties) {
    input.x.forEach((values, i) => {
      if (values.length !== features) {
        throw new FunctionError(
          'FUNCTION_INPUT_INVALID',
          `a row from ${partyId} has the wrong number of features`,
          {
            details: { partyId, row: i, expected: features },
          },
        );
      }
      if (intercept) (columns[0] as Float64Array)[row] = 1;
      values.forEach((value, j) => {
        (columns[j + offset] as Float64Array)[row] = value;
      });
      y[row] = input.y[i] as number;
      row++;
    });
  }
  return { columns, y };
}

/** 1 - RSS/TSS, or null when y is constant (TSS = 0). */
export function rSquared(
  columns: Float64Array[],
  y: Float64Array,
  coefficients: Float64Array,
): number | null {
  const meanY = compensatedSum(y.map((v) => v / y.length));
  const residuals = y.map((v, i) => {
    let fitted = 0;
    columns.forEach((column, j) => {
      fitted += (column[i] as number) * (coefficients[j] as number);
    });
    return (v - fitted) ** 2;
  });
  const total = compensatedSum(y.map((v) => (v - meanY) ** 2));
  return total === 0 ? null : Math.max(0, 1 - compensatedSum(residuals) / total);
}

const olsOutput = z.strictObject({
  intercept: finiteNumber.nullable(),
  coefficients: z.array(finiteNumber),
  rSquared: z.number().nullable(),
  rows: z.number().int().positive(),
});

export const olsFunction = defineFunction({
  id: 'ols',
  version: '1.0.0',
  summary:
    'Ordinary least squares over the rows every party provides, pooled (Householder QR); refuses a singular design.',
  parameters: z.strictObject({
    features: z.number().int().min(1).max(MAX_OLS_FEATURES),
    intercept: z.boolean().default(true),
  }),
  input: olsInput,
  output: olsOutput,
  parties: { min: 1, max: 1024 },
  evaluate(params, inputs) {
    const { columns, y } = poolRows(inputs, params.features, params.intercept);
    // The solver scales its columns in place; R² needs the originals.
    const fit = solveLeastSquares(
      columns.map((column) => column.slice()),
      y.slice(),
    );
    const coefficients = [...fit];
    if (!coefficients.every(Number.isFinite)) {
      throw new FunctionError('FUNCTION_RESULT_UNDEFINED', 'the coefficients overflow a double', {
        details: { reason: 'overflow' },
      });
    }
    return {
      intercept: params.intercept ? (coefficients.shift() as number) : null,
      coefficients,
      rSquared: rSquared(columns, y, fit),
      rows: y.length,
    };
  },
  helpers: [poolRows, partiesInOrder, solveLeastSquares, rSquared, compensatedSum],
});
