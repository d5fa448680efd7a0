import { bootstrapChange, PERCENTILES, type Change, type Percentile } from './change';
import { likeForLike, type LikeForLike } from './like-for-like';
import { METRICS, type MetricKey } from './metrics';
import { CompareInputError, type RunDirectory } from './run-dir';

/**
 * Two runs side by side: for every target present in both and every metric, the change of p50 and p90
 * with the 95 % bootstrap intervals of the difference and of the relative change, and a verdict.
 *
 * The verdict follows criterion.rs's rule: a change is established only when the whole interval lies
 * beyond a noise threshold (criterion's default is 1 %; here 5 %, for the few per cent two local runs of
 * one commit drift apart on a quiet machine; a loaded machine moves them further, which the like-for-like
 * warnings name), and otherwise it is "not established". Two refinements keep runs of the same code from getting verdicts by chance:
 * - A table of k verdicts at 95 % each would give one by chance in most comparisons (20 lines: 1 − 0.95^20
 *   = 64 % if independent; 26 % measured by resampling two real runs of one commit). The verdicts are
 *   judged together instead (Bonferroni): each on its interval at 1 − 0.05 / k, so that two runs of one
 *   distribution get any verdict at all in at most 5 % of comparisons (1 % measured, 10 cold starts and 20
 *   warm invocations per run). The table shows the 95 % intervals; compare.json has both.
 * - The percentile bootstrap misjudges the tail of a small sample (the p90 of 10 samples is decided by
 *   the largest two, and the bootstrap cannot draw beyond them): a verdict on a percentile needs at least
 *   3 samples beyond it in each run (p50: 6 samples, p90: 30, the default number of cold starts).
 * A metric whose baseline percentile is 0 is judged on the difference's interval alone.
 * Timings also need the whole interval of the difference beyond an absolute floor (0.5 ms): a 0.2 ms warm
 * Duration moves by a fifth between two runs of one commit (0.20 and 0.24 ms, 0.25 and 0.41 ms measured here at
 * a load average of 5), tight within each run and so "established" however small, and a change below
 * half a millisecond moves no bill (Lambda bills Duration in 1 ms steps).
 */

export type Verdict = 'faster' | 'slower' | 'lower' | 'higher' | 'not established';

export interface MetricChange extends Change {
  metric: MetricKey;
  percentile: Percentile;
  n: { baseline: number; candidate: number };
  verdict: Verdict;
  /** The wider interval the verdict was judged on (1 − 0.05 / verdicts judged); null where no verdict could be judged. */
  verdictInterval: { confidence: number; relativeCi: [number, number] | null; differenceCi: [number, number] | null } | null;
  /** Why there is no verdict beyond the intervals themselves (too few samples, no sample). */
  verdictNote?: string;
}

/** Samples beyond a percentile a verdict on it needs, in each run. */
export const SAMPLES_BEYOND_PERCENTILE = 3;
const PROBABILITY: Record<Percentile, number> = { p50: 0.5, p90: 0.9 };

/** The smallest sample a verdict on percentile p may rest on: p50 6, p90 30. */
export function minSamplesFor(p: Percentile): number {
  return Math.ceil(SAMPLES_BEYOND_PERCENTILE / (1 - PROBABILITY[p]) - 1e-9);
}

export interface TargetComparison {
  target: string;
  changes: MetricChange[];
}

export interface RunSummary {
  dir: string;
  label: string;
  backend: 'local' | 'aws';
  startedAt: string;
  coldStarts: number;
  warmInvocations: number;
  targets: string[];
}

export interface CompareOptions {
  iterations: number;
  seed: number;
  /** The relative change (fraction) an interval must lie beyond to be a verdict. */
  noise: number;
  /** For timings (ms), the difference an interval must also lie beyond. */
  noiseMs: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = Object.freeze({ iterations: 10_000, seed: 1, noise: 0.05, noiseMs: 0.5 });

export interface Comparison {
  baseline: RunSummary;
  candidate: RunSummary;
  bootstrap: { iterations: number; confidence: number; seed: number };
  noiseThreshold: number;
  /** The absolute floor for timings, ms. */
  noiseFloorMs: number;
  /** How the verdicts were judged together: how many, and the confidence of each one's interval. */
  verdicts: { judged: number; confidence: number };
  likeForLike: LikeForLike;
  targets: TargetComparison[];
  onlyInBaseline: string[];
  onlyInCandidate: string[];
}

export function runSummary(run: RunDirectory): RunSummary {
  return {
    dir: run.dir,
    label: run.label,
    backend: run.results.backend,
    startedAt: run.results.startedAt,
    coldStarts: run.results.config.coldStarts,
    warmInvocations: run.results.config.warmInvocations,
    targets: Object.keys(run.results.targets),
  };
}

/** FNV-1a of a name: each (target, metric, percentile) gets its own seed, the same whatever else is compared. */
function seedFor(seed: number, name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return (h ^ seed) >>> 0;
}

export function verdictOf(change: Change, kind: 'time' | 'amount', noise: number, floor = 0): Verdict {
  const up: Verdict = kind === 'time' ? 'slower' : 'higher';
  const down: Verdict = kind === 'time' ? 'faster' : 'lower';
  const d = change.differenceCi95;
  // The absolute floor (timings): the whole interval of the difference beyond it.
  if (floor > 0 && !(d && (d[0] > floor || d[1] < -floor))) return 'not established';
  if (change.relativeCi95) {
    if (change.relativeCi95[0] > noise) return up;
    if (change.relativeCi95[1] < -noise) return down;
    return 'not established';
  }
  if (d) {
    if (d[0] > 0) return up;
    if (d[1] < 0) return down;
  }
  return 'not established';
}

export function commonTargets(a: RunDirectory, b: RunDirectory): string[] {
  const inB = new Set(Object.keys(b.results.targets));
  return Object.keys(a.results.targets).filter((k) => inB.has(k));
}

export function compareRuns(baseline: RunDirectory, candidate: RunDirectory, options: CompareOptions = DEFAULT_COMPARE_OPTIONS): Comparison {
  const common = commonTargets(baseline, candidate);
  const aKeys = Object.keys(baseline.results.targets);
  const bKeys = Object.keys(candidate.results.targets);
  if (common.length === 0) {
    throw new CompareInputError(
      `${baseline.label} and ${candidate.label} have no target in common: ${aKeys.join(', ') || 'none'} against ${bKeys.join(', ') || 'none'} ` +
        '(targets are matched by key: the registry key, a target file\'s functionName, or <target>-<memory>mb, <target>-arm64)',
    );
  }
  const bootstrap = { iterations: options.iterations, confidence: 0.95, seed: options.seed };
  type Pending = { change: MetricChange; sa: number[]; sb: number[]; kind: 'time' | 'amount'; floor: number; seed: number };
  const pending: Pending[] = [];
  const targets: TargetComparison[] = common.map((target) => {
    const ta = baseline.results.targets[target];
    const tb = candidate.results.targets[target];
    const changes: MetricChange[] = [];
    for (const metric of METRICS) {
      const sa = metric.samples(baseline.rows, target, ta);
      const sb = metric.samples(candidate.rows, target, tb);
      for (const percentile of PERCENTILES) {
        const seed = seedFor(options.seed, `${target}/${metric.key}/${percentile}`);
        const change: MetricChange = {
          metric: metric.key,
          percentile,
          n: { baseline: sa.length, candidate: sb.length },
          ...bootstrapChange(sa, sb, percentile, { ...bootstrap, seed }),
          verdict: 'not established',
          verdictInterval: null,
        };
        const least = minSamplesFor(percentile);
        if (change.difference === null) change.verdictNote = 'no sample in one of the runs';
        else if (sa.length < least || sb.length < least) {
          change.verdictNote = `too few samples for a ${percentile} verdict: ${sa.length} and ${sb.length}, ${least} needed (${SAMPLES_BEYOND_PERCENTILE} beyond the ${percentile} in each run)`;
        } else pending.push({ change, sa, sb, kind: metric.kind, floor: metric.unit === 'ms' ? options.noiseMs : 0, seed });
        changes.push(change);
      }
    }
    return { target, changes };
  });
  // Judged together: each verdict on its interval at 1 − 0.05 / k (the same resamples: the same seed).
  const confidence = 1 - (1 - bootstrap.confidence) / Math.max(1, pending.length);
  for (const p of pending) {
    const wide = bootstrapChange(p.sa, p.sb, p.change.percentile, { iterations: options.iterations, confidence, seed: p.seed });
    p.change.verdictInterval = { confidence, relativeCi: wide.relativeCi95, differenceCi: wide.differenceCi95 };
    // `wide` holds the intervals at `confidence` (its fields are named for the usual 95 %).
    p.change.verdict = verdictOf(wide, p.kind, options.noise, p.floor);
  }
  return {
    baseline: runSummary(baseline),
    candidate: runSummary(candidate),
    bootstrap,
    noiseThreshold: options.noise,
    noiseFloorMs: options.noiseMs,
    verdicts: { judged: pending.length, confidence },
    likeForLike: likeForLike(baseline.results, candidate.results, common),
    targets,
    onlyInBaseline: aKeys.filter((k) => !common.includes(k)),
    onlyInCandidate: bKeys.filter((k) => !common.includes(k)),
  };
}
