import type { Stats } from './types';

/**
 * Descriptive statistics and bootstrap confidence intervals for the benchmark samples.
 *
 * Percentiles: Hyndman & Fan type 7 (linear interpolation between closest ranks; the default of R,
 * NumPy and Excel's PERCENTILE.INC): for sorted x[0..n-1] and p in [0, 1], h = (n - 1) p,
 * q = x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] - x[floor(h)]).
 * With 30 samples p99 lies between the two largest values: report it with n beside it.
 */

// Bound once: global lookups of Math inside hot loops are slow in sandboxed contexts (node:vm, as
// test runners use), and the bootstrap calls these millions of times.
const imul = Math.imul;
const floor = Math.floor;

export class SampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SampleError';
  }
}

function checkFinite(values: readonly number[], what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i])) {
      throw new SampleError(`${what}: sample ${i} is not a finite number (${String(values[i])})`);
    }
  }
}

/** Type-7 quantile of an already sorted, non-empty array. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) {
    throw new SampleError('quantile of an empty sample');
  }
  if (!(p >= 0 && p <= 1)) {
    throw new SampleError(`quantile probability must be in [0, 1], got ${p}`);
  }
  const h = (n - 1) * p;
  const lo = floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function quantile(values: readonly number[], p: number): number {
  checkFinite(values, 'quantile');
  return quantileSorted([...values].sort((a, b) => a - b), p);
}

export function median(values: ArrayLike<number>): number {
  // new Float64Array(...) copies (the caller's array is never reordered) and sorts numerically.
  const copy = ArrayBuffer.isView(values) ? new Float64Array(values as Float64Array) : Float64Array.from(values as ArrayLike<number>);
  return quantileSorted(copy.sort(), 0.5);
}

/** Median of a scratch array that may be reordered (the bootstrap's own draws): no copy. */
function medianInPlace(scratch: Float64Array): number {
  return quantileSorted(scratch.sort(), 0.5);
}

/** Summary of a sample; null for an empty one (a target with no successful invocation). */
export function summarize(values: readonly number[]): Stats | null {
  checkFinite(values, 'summarize');
  const n = values.length;
  if (n === 0) {
    return null;
  }
  const sorted = [...values].sort((a, b) => a - b);
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let squares = 0;
  for (const v of sorted) squares += (v - mean) * (v - mean);
  return {
    n,
    min: sorted[0],
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[n - 1],
    mean,
    stdev: n < 2 ? null : Math.sqrt(squares / (n - 1)),
  };
}

/**
 * mulberry32: a 32-bit-state PRNG by Tommy Ettinger (public domain). Not cryptographic; chosen
 * because it is tiny, fast, passes PractRand to 2^32 outputs (plenty for 10^4 bootstrap rounds of
 * a few hundred draws) and gives the same stream on every platform, so a seed reproduces a CI exactly.
 * Returns floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BootstrapOptions {
  iterations?: number;
  confidence?: number;
  seed?: number;
}

/** A statistic of one (re)sample. The array is the bootstrap's scratch buffer: it may be reordered. */
export type SampleStatistic = (sample: Float64Array) => number;

/**
 * Percentile-bootstrap confidence interval for statistic(numerator) / statistic(denominator).
 *
 * Each round resamples each side independently, with replacement, at its own size (the two
 * functions' samples are independent), and computes the ratio of the statistics; the interval is
 * the type-7 (1 - c)/2 and (1 + c)/2 quantiles of the rounds. Returns null when either side has no
 * samples, or when a resampled denominator statistic is 0 (the ratio is unbounded).
 */
function bootstrapSettings(options: BootstrapOptions): Required<BootstrapOptions> {
  const iterations = options.iterations ?? 10_000;
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new SampleError(`bootstrap iterations must be a positive integer, got ${iterations}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new SampleError(`bootstrap confidence must be in (0, 1), got ${confidence}`);
  }
  return { iterations, confidence, seed };
}

/** The type-7 (1 - c)/2 and (1 + c)/2 quantiles of the bootstrap rounds (sorted in place). */
function percentileInterval(rounds: Float64Array, confidence: number): [number, number] {
  rounds.sort();
  const alpha = (1 - confidence) / 2;
  return [quantileSorted(rounds, alpha), quantileSorted(rounds, 1 - alpha)];
}

/**
 * Percentile-bootstrap confidence interval for statistic(samples): each round resamples with
 * replacement at the sample's size. Returns null for an empty sample. For paired designs, pass the
 * per-pair differences.
 */
export function bootstrapCi(
  samples: readonly number[],
  statistic: SampleStatistic = median,
  options: BootstrapOptions = {},
): [number, number] | null {
  const { iterations, confidence, seed } = bootstrapSettings(options);
  checkFinite(samples, 'bootstrap sample');
  if (samples.length === 0) return null;
  const random = mulberry32(seed);
  const stat = statistic === median ? medianInPlace : statistic;
  const data = Float64Array.from(samples);
  const draw = new Float64Array(data.length);
  const rounds = new Float64Array(iterations);
  for (let r = 0; r < iterations; r++) {
    for (let i = 0; i < data.length; i++) draw[i] = data[floor(random() * data.length)];
    rounds[r] = stat(draw);
  }
  return percentileInterval(rounds, confidence);
}

export function bootstrapRatioCi(
  numeratorSamples: readonly number[],
  denominatorSamples: readonly number[],
  statistic: SampleStatistic = median,
  options: BootstrapOptions = {},
): [number, number] | null {
  const { iterations, confidence, seed } = bootstrapSettings(options);
  checkFinite(numeratorSamples, 'bootstrap numerator');
  checkFinite(denominatorSamples, 'bootstrap denominator');
  if (numeratorSamples.length === 0 || denominatorSamples.length === 0) {
    return null;
  }
  const random = mulberry32(seed);
  const stat = statistic === median ? medianInPlace : statistic;
  const num = Float64Array.from(numeratorSamples);
  const den = Float64Array.from(denominatorSamples);
  const numDraw = new Float64Array(num.length);
  const denDraw = new Float64Array(den.length);
  const ratios = new Float64Array(iterations);
  for (let r = 0; r < iterations; r++) {
    for (let i = 0; i < num.length; i++) numDraw[i] = num[floor(random() * num.length)];
    for (let i = 0; i < den.length; i++) denDraw[i] = den[floor(random() * den.length)];
    const d = stat(denDraw);
    if (d === 0) {
      return null;
    }
    ratios[r] = stat(numDraw) / d;
  }
  return percentileInterval(ratios, confidence);
}
