import { bootstrapCi } from '../benchmark/statistics';
import type { Architecture, TargetResults } from '../benchmark/types';
import { percentileOf } from './change';
import { metricByKey } from './metrics';
import type { RunDirectory } from './run-dir';

/**
 * Predicted against measured: a local run's predicted AWS figures for each target (results.json
 * `predictedAws`, lib/benchmark/predicted-aws.ts) beside what an AWS run measured for the same
 * target, per architecture: the error of the predicted p50 and whether the measured p50 fell inside
 * the predicted interval.
 */

export interface PredictedFigures {
  architecture: Architecture;
  p50Ms: number;
  p90Ms: number;
  /** The prediction interval of the p50; level as a fraction (0.9, 0.95). */
  interval: { low: number; high: number; level: number };
  /** Predicted Max Memory Used of a cold invocation, MB, where the model predicts it. */
  maxMemoryMB?: number;
}

const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];

type Loose = Record<string, unknown> | null | undefined;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** An interval {low, high} with its level: `interval` carries its own, `interval95` is 95 %. */
function intervalOf(p: Record<string, unknown>): PredictedFigures['interval'] | undefined {
  for (const [field, level] of [['interval', undefined], ['interval95', 0.95], ['interval90', 0.9]] as const) {
    const i = p[field] as Loose;
    if (!i || !isNumber(i.low) || !isNumber(i.high)) continue;
    const own = isNumber(i.level) ? i.level : level ?? 0.95;
    // A level written as a percentage (95) is read as the fraction it means.
    return { low: i.low, high: i.high, level: own > 1 ? own / 100 : own };
  }
  return undefined;
}

/**
 * The one place that reads a local run's `predictedAws` block (lib/benchmark/types.ts, PredictedAwsBlock),
 * so that a change of its shape is met here alone: per architecture, p50, p90, the prediction interval
 * with its level (`interval` with a level, or the older `interval95`) and, where the block has one,
 * the predicted Max Memory Used (`maxMemory.<architecture>.maxMemoryUsedMB`).
 */
export function predictedAwsFigures(t: TargetResults): PredictedFigures[] {
  const block = t.predictedAws as unknown as Loose;
  if (!block || block.unavailable) return [];
  const memory = block.maxMemory as Loose;
  const out: PredictedFigures[] = [];
  for (const architecture of ARCHITECTURES) {
    const p = block[architecture] as Loose;
    if (!p || !isNumber(p.p50Ms) || !isNumber(p.p90Ms)) continue;
    const interval = intervalOf(p);
    if (!interval) continue;
    const m = (memory?.[architecture] as Loose)?.maxMemoryUsedMB;
    out.push({ architecture, p50Ms: p.p50Ms, p90Ms: p.p90Ms, interval, ...(isNumber(m) ? { maxMemoryMB: m } : {}) });
  }
  return out;
}

export interface PredictedAgainstMeasured {
  /** The local run's target key. */
  target: string;
  architecture: Architecture;
  /** The AWS run's target key measured for it (`<target>-arm64` on arm64). */
  awsTarget: string;
  predicted: PredictedFigures;
  measured: { n: number; p50Ms: number; p90Ms: number; p50Ci95: [number, number] | null; maxMemoryMB: number | null };
  /** (predicted − measured) / measured. */
  errorP50: number;
  errorP90: number;
  insideInterval: boolean;
}

export interface PredictedAgainstMeasuredBlock {
  local: string;
  aws: string;
  rows: PredictedAgainstMeasured[];
  /** Local targets with a prediction that the AWS run did not measure, and why no row. */
  unmatched: string[];
}

/** The AWS run's configuration for a local target on an architecture: its own key on x86_64, `<key>-arm64` on arm64. */
function awsTargetFor(aws: RunDirectory, key: string, architecture: Architecture): string | undefined {
  const names = architecture === 'x86_64' ? [key] : [`${key}-arm64`, key];
  return names.find((n) => aws.results.targets[n]?.architecture === architecture);
}

export function predictedAgainstMeasured(local: RunDirectory, aws: RunDirectory, seed = 1): PredictedAgainstMeasuredBlock {
  const rows: PredictedAgainstMeasured[] = [];
  const unmatched: string[] = [];
  const init = metricByKey('init');
  const memory = metricByKey('memory');
  const model = local.results.predictionModel;
  const modelMissing = model && 'unavailable' in model ? model.unavailable : undefined;
  for (const [key, t] of Object.entries(local.results.targets)) {
    const predictions = predictedAwsFigures(t);
    if (predictions.length === 0) {
      // Said only for targets the AWS run measured: the others have nothing to be compared with anyway.
      if (ARCHITECTURES.some((a) => awsTargetFor(aws, key, a))) {
        const why = t.predictedAws?.unavailable ?? modelMissing ?? 'the local run has no predictedAws block for it';
        unmatched.push(`${key}: the local run has no prediction (${why})`);
      }
      continue;
    }
    // A target the AWS run did not measure at all is listed as only in one run already.
    if (!ARCHITECTURES.some((a) => awsTargetFor(aws, key, a))) continue;
    for (const predicted of predictions) {
      const awsKey = awsTargetFor(aws, key, predicted.architecture);
      if (!awsKey) {
        unmatched.push(`${key} (${predicted.architecture}): the AWS run measured no ${predicted.architecture} configuration of it`);
        continue;
      }
      const samples = init.samples(aws.rows, awsKey, aws.results.targets[awsKey]);
      if (samples.length === 0) {
        unmatched.push(`${key} (${predicted.architecture}): the AWS run has no cold start with an Init Duration for ${awsKey}`);
        continue;
      }
      const p50 = percentileOf(samples, 'p50')!;
      const p90 = percentileOf(samples, 'p90')!;
      const mem = memory.samples(aws.rows, awsKey, aws.results.targets[awsKey]);
      rows.push({
        target: key,
        architecture: predicted.architecture,
        awsTarget: awsKey,
        predicted,
        measured: {
          n: samples.length,
          p50Ms: p50,
          p90Ms: p90,
          p50Ci95: bootstrapCi(samples, undefined, { iterations: 10_000, confidence: 0.95, seed }),
          maxMemoryMB: percentileOf(mem, 'p50'),
        },
        errorP50: (predicted.p50Ms - p50) / p50,
        errorP90: (predicted.p90Ms - p90) / p90,
        insideInterval: p50 >= predicted.interval.low && p50 <= predicted.interval.high,
      });
    }
  }
  return { local: local.label, aws: aws.label, rows, unmatched };
}
