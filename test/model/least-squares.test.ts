import { solveLeastSquares } from '../../lib/model/least-squares';

describe('solveLeastSquares', () => {
  it('recovers an exact linear relation', () => {
    const rows = [[1, 0, 2], [1, 1, -1], [1, 2, 0.5], [1, 3, 4], [1, -1, 1]];
    const truth = [0.5, -2, 3];
    const targets = rows.map((r) => r.reduce((s, x, j) => s + x * truth[j], 0));
    solveLeastSquares(rows, targets).forEach((x, j) => expect(x).toBeCloseTo(truth[j], 12));
  });

  it('stays accurate on a column that barely varies (condition number ~1e6), where normal equations lose digits', () => {
    // Like the wine density column: values near 0.997 beside an intercept column.
    const rows = Array.from({ length: 200 }, (_, i) => [1, 0.997 + 1e-6 * Math.sin(i), i % 7]);
    const truth = [21.9, -17.9, 0.25];
    const targets = rows.map((r) => r.reduce((s, x, j) => s + x * truth[j], 0));
    solveLeastSquares(rows, targets).forEach((x, j) => expect(Math.abs(x - truth[j])).toBeLessThan(1e-4));
  });

  it('names the problem for rank deficiency, too few rows and ragged rows', () => {
    expect(() => solveLeastSquares([[1, 2], [2, 4], [3, 6]], [1, 2, 3])).toThrow(/rank deficient|linearly dependent/);
    expect(() => solveLeastSquares([[1, 2, 3]], [1])).toThrow(/1 rows cannot determine 3 unknowns/);
    expect(() => solveLeastSquares([[1, 2], [1]], [1, 2])).toThrow(/ragged row/);
    expect(() => solveLeastSquares([], [])).toThrow(/no rows/);
  });
});
