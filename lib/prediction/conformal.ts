/**
 * Intervals that hold as often as they say, from out-of-sample errors: split conformal prediction.
 *
 * Given n out-of-sample |errors| (here |ln(predicted / AWS)| of calibration runtimes, each predicted by a
 * model that did not see it, or did not see its family), the ⌈(n + 1) × level⌉-th smallest is a half-width
 * that covers a new point with probability at least `level`, if the new point is exchangeable with the n
 * (Vovk, Gammerman and Shafer, "Algorithmic Learning in a Random World", 2005; Lei et al., "Distribution-Free
 * Predictive Inference for Regression", JASA 2018). With too few points for the level (n + 1 < 1 / (1 − level))
 * there is no finite such quantile, and the function says so (null) rather than inventing one.
 *
 * What "exchangeable" asks of us: the errors must come from the same kind of question as the one the
 * interval answers. That is why a target the model has not seen gets the family-out quantile, and why its
 * coverage is checked by leaving each family out of the quantile too (fit.ts, familyOutCoverage).
 */

import type { FamilyOutCoverage, LeaveOneOutResult } from './types';

/** The printed intervals' level: 90 %, checked on the calibration set by leaving families out. */
export const INTERVAL_LEVEL = 0.9;

/** The conformal half-width at `level` from out-of-sample |errors|; null when there are too few for the level. */
export function conformalQuantile(absErrors: readonly number[], level: number): number | null {
  if (!(level > 0 && level < 1)) throw new RangeError(`level must lie between 0 and 1, got ${level}`);
  const n = absErrors.length;
  const rank = Math.ceil((n + 1) * level - 1e-9);
  if (n === 0 || rank > n) return null;
  return [...absErrors].sort((a, b) => a - b)[rank - 1];
}

/** The highest level a conformal interval can hold with n out-of-sample errors: n / (n + 1). */
export function highestLevel(n: number): number {
  return n / (n + 1);
}

/**
 * The level printed for a cell: INTERVAL_LEVEL when its points allow it, else the highest they allow
 * (rounded down to a whole percent), so that the interval never claims more than the points can give.
 */
export function cellLevel(n: number): number {
  return conformalQuantile(new Array(n).fill(0), INTERVAL_LEVEL) !== null ? INTERVAL_LEVEL : Math.floor(highestLevel(n) * 100) / 100;
}

/**
 * Errors of runtimes that belong to families, reduced to one error per family (its largest): runtimes of
 * one family share an interpreter and err together (four Pythons are not four independent draws), so the
 * exchangeable unit for a function the model has not seen is the family.
 */
export function familyErrors(results: readonly { family: string; absLogError: number }[]): number[] {
  const byFamily = new Map<string, number>();
  for (const r of results) byFamily.set(r.family, Math.max(byFamily.get(r.family) ?? 0, r.absLogError));
  return [...byFamily.values()];
}

/** |ln(predicted / AWS)| of each left-out result: the out-of-sample errors the intervals are sized from. */
export function absLogErrors(results: readonly LeaveOneOutResult[]): number[] {
  return results.map((r) => Math.abs(Math.log(r.predictedP50Ms / r.awsP50Ms)));
}

/** The family-out half-width at `level` from family-out results: conformal over one error per family. */
export function familyOutQuantile(results: readonly LeaveOneOutResult[], level: number): number | null {
  const errors = absLogErrors(results);
  return conformalQuantile(familyErrors(results.map((r, i) => ({ family: r.family, absLogError: errors[i] }))), level);
}

/** One runtime of the coverage check: was AWS inside the interval made without its family? */
export interface CoverageVerdict<P> {
  point: P;
  predicted: number;
  inside: boolean;
  /** The interval's log half-width; null when the other families were too few for one. */
  halfWidth: number | null;
}

/**
 * The family-out interval checked without looking at the family it is checked on: for each family F, a
 * fold fitted without F predicts F's points and sizes its interval from the other families alone (their
 * own family-out errors, at `level`, the level F − 1 families allow), and each point of F is inside when
 * AWS lies within it. Fewer than 4 families in all give no verdict. Shared by the Init Duration model
 * (fit.ts) and the Max Memory Used one (memory.ts), which differ only in how a fold fits and predicts.
 */
export function checkFamilyOutCoverage<P extends { family: string }>(
  points: readonly P[],
  aws: (p: P) => number,
  foldWithout: (rest: readonly P[], level: number) => { predict: (p: P) => number; halfWidth: number | null },
): FamilyOutCoverage & { verdicts: CoverageVerdict<P>[] } {
  const families = [...new Set(points.map((p) => p.family))].sort();
  const level = cellLevel(Math.max(1, families.length - 1));
  const verdicts: CoverageVerdict<P>[] = [];
  if (families.length < 4) return { inside: 0, total: 0, familiesInside: 0, families: 0, level, verdicts };
  let familiesInside = 0;
  for (const family of families) {
    const fold = foldWithout(points.filter((p) => p.family !== family), level);
    let all = true;
    for (const p of points.filter((x) => x.family === family)) {
      const predicted = fold.predict(p);
      const inside = fold.halfWidth !== null && Math.abs(Math.log(predicted / aws(p))) <= fold.halfWidth;
      all &&= inside;
      verdicts.push({ point: p, predicted, inside, halfWidth: fold.halfWidth });
    }
    if (all) familiesInside++;
  }
  return { inside: verdicts.filter((v) => v.inside).length, total: verdicts.length, familiesInside, families: families.length, level, verdicts };
}
