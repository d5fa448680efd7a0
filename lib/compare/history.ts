import { bootstrapCi } from '../benchmark/statistics';
import { percentileOf } from './change';
import { METRICS, type MetricKey } from './metrics';
import type { RunDirectory } from './run-dir';

/**
 * History: three or more runs in time order (results.json startedAt), and for each target and metric
 * its p50 in each run with the 95 % bootstrap interval of that p50 (lib/benchmark/statistics.ts, the
 * same interval results.json gives for Init Duration and warm Duration), as lambda-perf's daily chart
 * does for hello worlds.
 */

export interface HistoryPoint {
  run: string;
  startedAt: string;
  backend: 'local' | 'aws';
  n: number;
  p50: number | null;
  ci95: [number, number] | null;
}

export interface HistorySeries {
  target: string;
  metric: MetricKey;
  /** One per run, in time order; null where the run did not measure the target. */
  points: (HistoryPoint | null)[];
}

export interface History {
  runs: { label: string; dir: string; startedAt: string; backend: 'local' | 'aws' }[];
  series: HistorySeries[];
}

export function inTimeOrder(runs: readonly RunDirectory[]): RunDirectory[] {
  return [...runs].sort((a, b) => Date.parse(a.results.startedAt) - Date.parse(b.results.startedAt));
}

export function buildHistory(runsAnyOrder: readonly RunDirectory[], seed = 1, iterations = 10_000): History {
  const runs = inTimeOrder(runsAnyOrder);
  const targets: string[] = [];
  for (const r of runs) for (const k of Object.keys(r.results.targets)) if (!targets.includes(k)) targets.push(k);
  const series: HistorySeries[] = [];
  for (const target of targets) {
    for (const metric of METRICS) {
      const points = runs.map((r): HistoryPoint | null => {
        const t = r.results.targets[target];
        if (!t) return null;
        const samples = metric.samples(r.rows, target, t);
        return {
          run: r.label,
          startedAt: r.results.startedAt,
          backend: r.results.backend,
          n: samples.length,
          p50: percentileOf(samples, 'p50'),
          ci95: samples.length > 0 ? bootstrapCi(samples, undefined, { iterations, confidence: 0.95, seed }) : null,
        };
      });
      series.push({ target, metric: metric.key, points });
    }
  }
  return {
    runs: runs.map((r) => ({ label: r.label, dir: r.dir, startedAt: r.results.startedAt, backend: r.results.backend })),
    series,
  };
}
