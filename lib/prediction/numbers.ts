/**
 * The arithmetic the model's fits share (the Init Duration lines and the Max Memory Used lines alike),
 * kept in one place so that both round and summarise the same way. The prediction layer imports
 * nothing above it, so it does not borrow lib/benchmark's statistics.
 */
import type { LineParameters } from './types';

export class ModelFitError extends Error {}

/** Ordinary least squares of y on x; with one distinct x the slope is taken as 1 (a plain ratio). */
export function leastSquares(xs: readonly number[], ys: readonly number[]): LineParameters {
  const n = xs.length;
  if (n === 0 || n !== ys.length) throw new ModelFitError(`least squares needs as many y as x, at least one (got ${n} and ${ys.length})`);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) * (xs[i] - mx);
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  const slope = sxx === 0 ? 1 : sxy / sxx;
  return { intercept: my - slope * mx, slope };
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Rounds to a fixed number of decimals, so that the stored model does not depend on the last bits of floating point. */
export function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
