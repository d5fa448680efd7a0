import { bootstrapRatioCi, quantileSorted, type BootstrapOptions, type SampleStatistic } from '../benchmark/statistics';

/**
 * The change of one percentile between two runs, from their raw samples, with 95 % percentile-bootstrap
 * intervals of the difference (candidate − baseline, in the metric's unit) and of the relative change
 * (candidate / baseline − 1). The two runs are independent, so each bootstrap round resamples each run
 * at its own size, independently: exactly what lib/benchmark/statistics.ts's bootstrapRatioCi does,
 * with its seeded generator (mulberry32), so a seed reproduces every interval.
 *
 * The difference goes through the same function rather than a second copy of the resampling loop: with
 * the statistic exp(q(sample) / s), each round's ratio is exp((q(B*) − q(A*)) / s), and s × ln of it
 * is that round's difference. ln is increasing, so the rounds sort in the same order and the interval's
 * bounds are the differences' own percentile bounds (the type-7 interpolation between two neighbouring
 * rounds happens on the exp scale instead: a difference far below the gap between those two rounds).
 * s is chosen so that the exponent stays below 500 (exp overflows past 709); the samples are ≥ 0, so
 * it stays ≥ 0 and a denominator is never 0. The relative change is the plain ratio of the same rounds
 * (same seed: the same resamples).
 */

export type Percentile = 'p50' | 'p90';
export const PERCENTILES: readonly Percentile[] = ['p50', 'p90'];
const PROBABILITY: Record<Percentile, number> = { p50: 0.5, p90: 0.9 };

export function percentileStatistic(p: Percentile): SampleStatistic {
  const q = PROBABILITY[p];
  // The scratch array may be reordered (SampleStatistic's contract).
  return (sample) => quantileSorted(sample.sort(), q);
}

export function percentileOf(values: readonly number[], p: Percentile): number | null {
  return values.length === 0 ? null : quantileSorted(Float64Array.from(values).sort(), PROBABILITY[p]);
}

export interface Change {
  baseline: number | null;
  candidate: number | null;
  /** candidate − baseline; null when either run has no sample. */
  difference: number | null;
  differenceCi95: [number, number] | null;
  /** candidate / baseline − 1; null when either has no sample or the baseline is 0. */
  relative: number | null;
  /** null also when a resampled baseline percentile is 0 (the ratio is unbounded). */
  relativeCi95: [number, number] | null;
}

export function bootstrapChange(
  baseline: readonly number[],
  candidate: readonly number[],
  p: Percentile,
  options: Required<BootstrapOptions>,
): Change {
  const a = percentileOf(baseline, p);
  const b = percentileOf(candidate, p);
  if (a === null || b === null) {
    return { baseline: a, candidate: b, difference: null, differenceCi95: null, relative: null, relativeCi95: null };
  }
  const stat = percentileStatistic(p);
  let largest = 0;
  for (const v of baseline) largest = Math.max(largest, Math.abs(v));
  for (const v of candidate) largest = Math.max(largest, Math.abs(v));
  const scale = largest > 0 ? largest / 500 : 1;
  const expRounds = bootstrapRatioCi(candidate, baseline, (s) => Math.exp(stat(s) / scale), options);
  const ratio = bootstrapRatioCi(candidate, baseline, stat, options);
  return {
    baseline: a,
    candidate: b,
    difference: b - a,
    differenceCi95: expRounds ? [scale * Math.log(expRounds[0]), scale * Math.log(expRounds[1])] : null,
    relative: a !== 0 ? b / a - 1 : null,
    relativeCi95: ratio ? [ratio[0] - 1, ratio[1] - 1] : null,
  };
}
