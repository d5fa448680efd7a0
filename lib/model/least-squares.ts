/**
 * Ordinary least squares by Householder QR, in float64.
 *
 * The wine design matrix is badly conditioned (around 1e5, because density barely varies around 0.997
 * while the intercept column is 1). The normal equations would square that condition number and lose
 * about ten digits; QR works on the matrix itself and loses only about five.
 */
export function solveLeastSquares(rows: number[][], targets: number[]): number[] {
  const m = rows.length;
  if (m === 0) throw new Error('least squares: no rows');
  const n = rows[0].length;
  if (m < n) throw new Error(`least squares: ${m} rows cannot determine ${n} unknowns`);
  if (targets.length !== m) throw new Error(`least squares: ${m} rows but ${targets.length} targets`);

  // Column-major copy of A and a copy of b, both overwritten by the factorisation.
  const a: Float64Array[] = Array.from({ length: n }, (_, j) => Float64Array.from(rows, (row) => {
    if (row.length !== n) throw new Error(`least squares: ragged row of ${row.length} values, expected ${n}`);
    return row[j];
  }));
  const b = Float64Array.from(targets);

  for (let k = 0; k < n; k++) {
    const column = a[k];
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, column[i]);
    if (norm === 0) throw new Error(`least squares: column ${k} is linearly dependent on the others`);
    // Reflect column k onto -sign(a_kk)·norm·e_k; choosing the sign avoids cancellation.
    const alpha = column[k] > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    v[0] = column[k] - alpha;
    for (let i = k + 1; i < m; i++) v[i - k] = column[i];
    let vNormSquared = 0;
    for (const x of v) vNormSquared += x * x;
    const reflect = (target: Float64Array): void => {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i - k] * target[i];
      const scale = (2 * dot) / vNormSquared;
      for (let i = k; i < m; i++) target[i] -= scale * v[i - k];
    };
    for (let j = k; j < n; j++) reflect(a[j]);
    reflect(b);
  }

  // Back substitution on the upper triangle R x = (Qᵀb)[0..n).
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let j = i + 1; j < n; j++) sum -= a[j][i] * x[j];
    const diagonal = a[i][i];
    if (Math.abs(diagonal) < 1e-12 * Math.abs(a[0][0])) {
      throw new Error(`least squares: the design matrix is rank deficient at column ${i}`);
    }
    x[i] = sum / diagonal;
  }
  return x;
}
