import type { Percentile } from './change';
import { METRIC_KEYS, metricByKey, type MetricKey } from './metrics';
import { minSamplesFor, type Comparison } from './compare-runs';
import { formatPercent, formatPercentInterval } from './format';

/**
 * The CI gate: `--fail-if-slower 10%` (Init Duration's p50), or per metric `init=10%,warm=20%`, or per
 * percentile `init.p90=25%`. It fails only where the whole 95 % interval of the relative change lies
 * beyond the threshold (and, for a timing, its difference beyond the noise floor, 0.5 ms by default): a
 * change the run cannot tell from noise never fails a build.
 */

export interface Threshold {
  metric: MetricKey;
  percentile: Percentile;
  /** As a fraction: 10 % is 0.1. */
  fraction: number;
  /** As the user wrote it. */
  text: string;
}

export class ThresholdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThresholdError';
  }
}

const EXAMPLE = 'e.g. 10% (Init Duration p50), init=10%,warm=20%, or init.p90=25%';

function parsePercent(text: string, whole: string): number {
  const m = /^\s*([+]?\d+(?:\.\d+)?)\s*%\s*$/.exec(text);
  if (!m) {
    if (/^\s*[+-]?\d+(?:\.\d+)?\s*$/.test(text)) {
      throw new ThresholdError(`--fail-if-slower ${whole}: "${text.trim()}" needs a % sign: a threshold is a relative change (${EXAMPLE})`);
    }
    if (/^\s*-/.test(text)) throw new ThresholdError(`--fail-if-slower ${whole}: "${text.trim()}" is negative; a threshold is how much slower is too slow, 0% or more`);
    throw new ThresholdError(`--fail-if-slower ${whole}: "${text.trim()}" is not a percentage (${EXAMPLE})`);
  }
  const value = Number(m[1]);
  if (!Number.isFinite(value)) throw new ThresholdError(`--fail-if-slower ${whole}: "${text.trim()}" is not a finite number`);
  return value / 100;
}

export function parseThresholds(spec: string): Threshold[] {
  if (spec.trim() === '') throw new ThresholdError(`--fail-if-slower needs a threshold (${EXAMPLE})`);
  const out: Threshold[] = [];
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    let metric: MetricKey = 'init';
    let percentile: Percentile = 'p50';
    let value = part;
    if (eq >= 0) {
      const [name, pct, ...rest] = part.slice(0, eq).trim().split('.');
      if (!(METRIC_KEYS as readonly string[]).includes(name)) {
        throw new ThresholdError(`--fail-if-slower ${spec}: "${name}" is not a metric (known: ${METRIC_KEYS.join(', ')})`);
      }
      if (rest.length > 0 || (pct !== undefined && pct !== 'p50' && pct !== 'p90')) {
        throw new ThresholdError(`--fail-if-slower ${spec}: "${part.slice(0, eq).trim()}": a percentile after the metric is p50 or p90 (e.g. init.p90=25%)`);
      }
      metric = name as MetricKey;
      percentile = (pct as Percentile | undefined) ?? 'p50';
      value = part.slice(eq + 1);
    }
    const fraction = parsePercent(value, spec);
    if (out.some((t) => t.metric === metric && t.percentile === percentile)) {
      throw new ThresholdError(`--fail-if-slower ${spec}: ${metric} ${percentile} is given twice`);
    }
    out.push({ metric, percentile, fraction, text: `${metric}${percentile === 'p50' ? '' : `.${percentile}`}=${value.trim()}` });
  }
  return out;
}

export interface GateFailure {
  target: string;
  metric: MetricKey;
  percentile: Percentile;
  threshold: string;
  relativeCi95: [number, number];
  message: string;
}

export interface GateResult {
  thresholds: Threshold[];
  failures: GateFailure[];
  /** Thresholds no target could be judged on (no samples, or a baseline of 0). */
  unjudged: string[];
}

export function applyGate(comparison: Comparison, thresholds: readonly Threshold[]): GateResult {
  const failures: GateFailure[] = [];
  const unjudged: string[] = [];
  for (const t of thresholds) {
    const metric = metricByKey(t.metric);
    for (const target of comparison.targets) {
      const change = target.changes.find((c) => c.metric === t.metric && c.percentile === t.percentile);
      const ci = change?.relativeCi95;
      if (!change || !ci) {
        unjudged.push(`${target.target} ${metric.label} ${t.percentile}: no interval of the relative change (no samples in a run, or a baseline of 0)`);
        continue;
      }
      // The tail of a small sample is not something the bootstrap can judge (compare-runs.ts).
      if (change.n.baseline < minSamplesFor(t.percentile) || change.n.candidate < minSamplesFor(t.percentile)) {
        unjudged.push(`${target.target} ${metric.label} ${t.percentile}: ${change.verdictNote ?? 'too few samples'}`);
        continue;
      }
      // A timing's change must also clear the absolute floor (compare-runs.ts): never a failure for 0.1 ms.
      const floor = metric.unit === 'ms' ? comparison.noiseFloorMs : 0;
      if (ci[0] > t.fraction && (floor === 0 || (change.differenceCi95 !== null && change.differenceCi95[0] > floor))) {
        failures.push({
          target: target.target,
          metric: t.metric,
          percentile: t.percentile,
          threshold: t.text,
          relativeCi95: ci,
          message:
            `${target.target}: ${metric.label} ${t.percentile} is ${formatPercent(change.relative)} (95 % interval ${formatPercentInterval(ci)}), ` +
            `${metric.kind === 'time' ? 'slower' : 'higher'} than the ${formatPercent(t.fraction, false)} threshold over the whole interval`,
        });
      }
    }
  }
  return { thresholds: [...thresholds], failures, unjudged };
}
