import { durationCost, LAMBDA_PRICES, warmBilledMs } from '../benchmark/cost';
import type { InvocationRow, TargetResults } from '../benchmark/types';

/**
 * What a comparison compares, per target: each metric's raw samples, taken from invocations.csv with
 * the same rules as lib/benchmark/aggregate.ts (cold samples: cold-phase invocations that succeeded and
 * carry an Init Duration; warm samples: warm-phase invocations that succeeded without one), so that a
 * metric's p50 here is the p50 results.json reports.
 */

export const METRIC_KEYS = ['init', 'warm', 'memory', 'roundtrip', 'cost'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

export interface Metric {
  key: MetricKey;
  /** As tables name it. */
  label: string;
  unit: string;
  /** Time metrics get faster / slower; the others lower / higher. */
  kind: 'time' | 'amount';
  /** What the samples are, for the report. */
  basis: string;
  samples(rows: readonly InvocationRow[], target: string, t: TargetResults): number[];
}

const coldSamples = (rows: readonly InvocationRow[], target: string) =>
  rows.filter((r) => r.target === target && r.phase === 'cold' && r.status === 'ok' && r.initMs !== null);
const warmSamples = (rows: readonly InvocationRow[], target: string) =>
  rows.filter((r) => r.target === target && r.phase === 'warm' && r.status === 'ok' && r.initMs === null);

/** USD per 1M invocations, each billed as this warm one (lib/benchmark/cost.ts: Duration rounded up to 1 ms, memory, price, requests). */
export function warmCostPerMillion(durationMs: number, t: Pick<TargetResults, 'memorySizeMB' | 'architecture'>): number {
  return 1_000_000 * durationCost(warmBilledMs(durationMs), t.memorySizeMB, t.architecture) + LAMBDA_PRICES.perMillionRequests;
}

export const METRICS: readonly Metric[] = Object.freeze([
  {
    key: 'init',
    label: 'Init Duration',
    unit: 'ms',
    kind: 'time',
    basis: 'REPORT Init Duration of each cold start',
    samples: (rows, target) => coldSamples(rows, target).map((r) => r.initMs!),
  },
  {
    key: 'warm',
    label: 'warm Duration',
    unit: 'ms',
    kind: 'time',
    basis: 'REPORT Duration of each warm invocation',
    samples: (rows, target) => warmSamples(rows, target).map((r) => r.durationMs!),
  },
  {
    key: 'memory',
    label: 'Max Memory Used',
    unit: 'MB',
    kind: 'amount',
    // As the report's ratio: the cold starts' (the peak includes what INIT loaded).
    basis: 'REPORT Max Memory Used of each cold start',
    samples: (rows, target) => coldSamples(rows, target).filter((r) => r.maxMemoryMB !== null).map((r) => r.maxMemoryMB!),
  },
  {
    key: 'roundtrip',
    label: 'round trip',
    unit: 'ms',
    kind: 'time',
    basis: "client round trip of each cold start (what a caller waits: the platform's start-up, INIT and the invocation)",
    samples: (rows, target) => coldSamples(rows, target).map((r) => r.roundTripMs),
  },
  {
    key: 'cost',
    label: 'cost',
    unit: '$/1M',
    kind: 'amount',
    // A cold start's extra cost follows its Init Duration, compared on its own line.
    basis: 'USD per 1M invocations billed as each warm invocation (Duration rounded up to 1 ms, at its memory size and architecture, us-east-1 list prices, requests included)',
    samples: (rows, target, t) => warmSamples(rows, target).map((r) => warmCostPerMillion(r.durationMs!, t)),
  },
]);

export function metricByKey(key: MetricKey): Metric {
  return METRICS.find((m) => m.key === key)!;
}
