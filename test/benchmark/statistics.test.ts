import { bootstrapCi, bootstrapRatioCi, median, mulberry32, quantile, SampleError, summarize } from '../../lib/benchmark/statistics';

describe('summarize (type 7 percentiles, sample standard deviation)', () => {
  test('hand-computable: [1, 2, 3, 4]', () => {
    // h = (n - 1) p: p50 -> 1.5 -> 2.5; p90 -> 2.7 -> 3.7; p99 -> 2.97 -> 3.97
    const s = summarize([4, 1, 3, 2])!;
    expect(s.n).toBe(4);
    expect(s.min).toBe(1);
    expect(s.max).toBe(4);
    expect(s.p50).toBeCloseTo(2.5, 12);
    expect(s.p90).toBeCloseTo(3.7, 12);
    expect(s.p99).toBeCloseTo(3.97, 12);
    expect(s.mean).toBe(2.5);
    // sum of squares 5, n - 1 = 3
    expect(s.stdev).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  test('hand-computable: [2, 4, 4, 4, 5, 5, 7, 9]', () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9])!;
    expect(s.mean).toBe(5);
    expect(s.stdev).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(s.p50).toBe(4.5);
    // p90: h = 6.3 -> 7 + 0.3 * (9 - 7) = 7.6
    expect(s.p90).toBeCloseTo(7.6, 12);
    // p99: h = 6.93 -> 7 + 0.93 * 2 = 8.86
    expect(s.p99).toBeCloseTo(8.86, 12);
  });

  test('one sample: every percentile is that sample, stdev undefined (null)', () => {
    expect(summarize([22.58])).toEqual({ n: 1, min: 22.58, p50: 22.58, p90: 22.58, p99: 22.58, max: 22.58, mean: 22.58, stdev: null });
  });

  test('odd count: the median is the middle value', () => {
    expect(summarize([5, 1, 3])!.p50).toBe(3);
    expect(median([5, 1, 3])).toBe(3);
    expect(quantile([10, 20, 30, 40, 50], 0.25)).toBe(20);
  });

  test('empty gives null; non-finite samples are rejected by position', () => {
    expect(summarize([])).toBeNull();
    expect(() => summarize([1, NaN, 3])).toThrow(SampleError);
    expect(() => summarize([1, 2, Infinity])).toThrow(/sample 2 is not a finite number/);
  });

  test('does not reorder the caller\'s array', () => {
    const values = [3, 1, 2];
    summarize(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('mulberry32', () => {
  // The generator as published (Tommy Ettinger's mulberry32, the common JavaScript form): the oracle.
  function reference(a: number) {
    return function () {
      let t = (a += 0x6d2b79f5);
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  test.each([0, 1, 42, 20240601, 0x7fffffff])('matches the published generator for seed %d', (seed) => {
    const mine = mulberry32(seed);
    const theirs = reference(seed);
    const a = Array.from({ length: 2000 }, () => mine());
    const b = Array.from({ length: 2000 }, () => theirs());
    expect(a).toEqual(b);
  });

  test('stays in [0, 1)', () => {
    const r = mulberry32(9);
    const values = Array.from({ length: 100_000 }, () => r());
    expect(values.filter((v) => !(v >= 0 && v < 1))).toEqual([]);
    // Roughly uniform: a mean near 1/2.
    expect(values.reduce((a, v) => a + v, 0) / values.length).toBeCloseTo(0.5, 2);
  });
});

/** Log-normal samples from a seeded generator (Box-Muller). */
function lognormal(random: () => number, n: number, medianValue: number, sigma: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u1 = 1 - random();
    const u2 = random();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    out.push(medianValue * Math.exp(sigma * z));
  }
  return out;
}

describe('bootstrapCi (one sample, e.g. paired differences)', () => {
  test('is reproducible with a seed, and covers the true median in about 95 % of repeated experiments', () => {
    const sample = lognormal(mulberry32(5), 40, 10, 0.3);
    expect(bootstrapCi(sample, median, { iterations: 1000, seed: 7 })).toEqual(bootstrapCi(sample, median, { iterations: 1000, seed: 7 }));
    const random = mulberry32(99);
    let covered = 0;
    for (let e = 0; e < 200; e++) {
      const ci = bootstrapCi(lognormal(random, 40, 10, 0.4), median, { iterations: 1000, seed: e })!;
      if (ci[0] <= 10 && 10 <= ci[1]) covered++;
    }
    expect(covered / 200).toBeGreaterThan(0.88);
    expect(covered / 200).toBeLessThanOrEqual(0.99);
  });

  test('an empty sample has no interval; bad settings and values are refused', () => {
    expect(bootstrapCi([])).toBeNull();
    expect(() => bootstrapCi([1, 2], median, { iterations: 0 })).toThrow('bootstrap iterations must be a positive integer, got 0');
    expect(() => bootstrapCi([1, Number.NaN])).toThrow(SampleError);
  });
});

describe('bootstrapRatioCi', () => {
  const data = lognormal(mulberry32(3), 30, 80, 0.3);
  const base = lognormal(mulberry32(4), 30, 20, 0.3);

  test('is reproducible with a seed and changes with it', () => {
    const a = bootstrapRatioCi(data, base, median, { iterations: 2000, seed: 11 });
    const b = bootstrapRatioCi(data, base, median, { iterations: 2000, seed: 11 });
    const c = bootstrapRatioCi(data, base, median, { iterations: 2000, seed: 12 });
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    expect(a![0]).toBeLessThan(median(data) / median(base));
    expect(a![1]).toBeGreaterThan(median(data) / median(base));
  });

  test('contains the true ratio (4) for synthetic data with known ratio', () => {
    const ci = bootstrapRatioCi(data, base, median, { seed: 1 })!;
    expect(ci[0]).toBeLessThan(4);
    expect(ci[1]).toBeGreaterThan(4);
    expect(ci[0]).toBeGreaterThan(2.5);
    expect(ci[1]).toBeLessThan(6);
  });

  test('covers the true ratio in about 95 % of repeated experiments', () => {
    // 200 independent data sets with a known ratio of medians (80 / 20 = 4), 30 samples a side.
    const random = mulberry32(2024);
    let covered = 0;
    const experiments = 200;
    for (let e = 0; e < experiments; e++) {
      const num = lognormal(random, 30, 80, 0.4);
      const den = lognormal(random, 30, 20, 0.4);
      const ci = bootstrapRatioCi(num, den, median, { iterations: 1000, seed: e })!;
      if (ci[0] <= 4 && 4 <= ci[1]) covered++;
    }
    const coverage = covered / experiments;
    expect(coverage).toBeGreaterThan(0.88);
    expect(coverage).toBeLessThanOrEqual(0.99);
  });

  test('a wider confidence level gives a wider interval', () => {
    const ci90 = bootstrapRatioCi(data, base, median, { confidence: 0.9, seed: 5 })!;
    const ci99 = bootstrapRatioCi(data, base, median, { confidence: 0.99, seed: 5 })!;
    expect(ci99[0]).toBeLessThan(ci90[0]);
    expect(ci99[1]).toBeGreaterThan(ci90[1]);
  });

  test('constant samples give a point interval', () => {
    expect(bootstrapRatioCi([10, 10, 10], [2, 2], median, { iterations: 200 })).toEqual([5, 5]);
  });

  test('null when either side lacks samples, or a denominator can be 0', () => {
    expect(bootstrapRatioCi([], [1, 2], median)).toBeNull();
    expect(bootstrapRatioCi([1, 2], [], median)).toBeNull();
    expect(bootstrapRatioCi([1, 2], [0, 0, 0], median, { iterations: 100 })).toBeNull();
  });

  test('bad options are rejected', () => {
    expect(() => bootstrapRatioCi([1], [1], median, { iterations: 0 })).toThrow(/iterations/);
    expect(() => bootstrapRatioCi([1], [1], median, { confidence: 1 })).toThrow(/confidence/);
  });
});
