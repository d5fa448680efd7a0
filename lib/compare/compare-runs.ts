import { bootstrapChange, PERCENTILES, type Change, type Percentile } from './change';
import { likeForLike, type LikeForLike } from './like-for-like';
import { METRICS, type MetricKey } from './metrics';
import { CompareInputError, type RunDirectory } from './run-dir';

/**
 * Two runs side by side: for every target present in both and every metric, the change of p50 and p90
 * with the 95 % bootstrap intervals of the difference and of the relative change, and a verdict.
 *
 * The verdict follows criterion.rs's rule: a change is established only when the whole interval lies
 * beyond a noise threshold (criterion's default is 1 %; here 5 %, because two local runs on a shared
 * machine drift apart by a few per cent between runs, whatever the code), and otherwise it is "not
 * established". A metric whose baseline percentile is 0 is judged on the difference's interval alone.
 */

export type Verdict = 'faster' | 'slower' | 'lower' | 'higher' | 'not established';

export interface MetricChange extends Change {
  metric: MetricKey;
  percentile: Percentile;
  n: { baseline: number; candidate: number };
  verdict: Verdict;
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
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = Object.freeze({ iterations: 10_000, seed: 1, noise: 0.05 });

export interface Comparison {
  baseline: RunSummary;
  candidate: RunSummary;
  bootstrap: { iterations: number; confidence: number; seed: number };
  noiseThreshold: number;
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

export function verdictOf(change: Change, kind: 'time' | 'amount', noise: number): Verdict {
  const up: Verdict = kind === 'time' ? 'slower' : 'higher';
  const down: Verdict = kind === 'time' ? 'faster' : 'lower';
  if (change.relativeCi95) {
    if (change.relativeCi95[0] > noise) return up;
    if (change.relativeCi95[1] < -noise) return down;
    return 'not established';
  }
  if (change.differenceCi95) {
    if (change.differenceCi95[0] > 0) return up;
    if (change.differenceCi95[1] < 0) return down;
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
  const targets: TargetComparison[] = common.map((target) => {
    const ta = baseline.results.targets[target];
    const tb = candidate.results.targets[target];
    const changes: MetricChange[] = [];
    for (const metric of METRICS) {
      const sa = metric.samples(baseline.rows, target, ta);
      const sb = metric.samples(candidate.rows, target, tb);
      for (const percentile of PERCENTILES) {
        const change = bootstrapChange(sa, sb, percentile, { ...bootstrap, seed: seedFor(options.seed, `${target}/${metric.key}/${percentile}`) });
        changes.push({ metric: metric.key, percentile, n: { baseline: sa.length, candidate: sb.length }, ...change, verdict: verdictOf(change, metric.kind, options.noise) });
      }
    }
    return { target, changes };
  });
  return {
    baseline: runSummary(baseline),
    candidate: runSummary(candidate),
    bootstrap,
    noiseThreshold: options.noise,
    likeForLike: likeForLike(baseline.results, candidate.results, common),
    targets,
    onlyInBaseline: aKeys.filter((k) => !common.includes(k)),
    onlyInCandidate: bKeys.filter((k) => !common.includes(k)),
  };
}
