import { FunctionError } from '../errors.js';

/**
 * Least squares by Householder QR on a column-major n×m matrix (never the normal equations, which square the
 * condition number). Columns and y are first scaled by their largest magnitude so that no square overflows, and a
 * column whose remaining norm is negligible against the largest diagonal of R makes the system singular.
 */
export function solveLeastSquares(columns: Float64Array[], y: Float64Array): Float64Array {
  const n = y.length;
  const m = columns.length;
  if (n < m) {
    throw new FunctionError(
      'FUNCTION_RESULT_UNDEFINED',
      `${m} coefficients need at least ${m} rows, got ${n}`,
      {
        details: { reason: 'too few rows', rows: n, coefficients: m },
      },
    );
  }
  const scales = columns.map((column) => column.reduce((max, v) => Math.max(max, Math.abs(v)), 0) || 1);
  columns.forEach((column, j) => {
    for (let i = 0; i < n; i++) column[i] = (column[i] as number) / (scales[j] as number);
  });
  const yScale = y.reduce((max, v) => Math.max(max, Math.abs(v)), 0) || 1;
  const rhs = y.map((v) => v / yScale);
  const diagonal = new Float64Array(m);
  const tolerance = Math.max(n, m) * Number.EPSILON;
  let largest = 0;
  for (let k = 0; k < m; k++) {
    const a = columns[k] as Float64Array;
    let norm = 0;
    for (let i = k; i < n; i++) norm += (a[i] as number) ** 2;
    norm = Math.sqrt(norm);
    largest = Math.max(largest, norm);
    if (norm <= tolerance * largest || norm === 0) {
      throw new FunctionError(
        'FUNCTION_RESULT_UNDEFINED',
        'the pooled rows do not determine the coefficients',
        {
          details: { reason: 'singular design matrix', column: k },
        },
      );
    }
    const alpha = (a[k] as number) > 0 ? -norm : norm;
    a[k] = (a[k] as number) - alpha; // a[k..n) is now the Householder vector v
    let vv = 0;
    for (let i = k; i < n; i++) vv += (a[i] as number) ** 2;
    const reflect = (target: Float64Array) => {
      let dot = 0;
      for (let i = k; i < n; i++) dot += (a[i] as number) * (target[i] as number);
      const factor = (2 * dot) / vv;
      for (let i = k; i < n; i++) target[i] = (target[i] as number) - factor * (a[i] as number);
    };
    for (let j = k + 1; j < m; j++) reflect(columns[j] as Float64Array);
    reflect(rhs);
    diagonal[k] = alpha;
  }
  const beta = new Float64Array(m);
  for (let k = m - 1; k >= 0; k--) {
    let sum = rhs[k] as number;
    for (let j = k + 1; j < m; j++) sum -= ((columns[j] as Float64Array)[k] as number) * (beta[j] as number);
    beta[k] = sum / (diagonal[k] as number);
  }
  return beta.map((b, j) => (b * yScale) / (scales[j] as number));
}
