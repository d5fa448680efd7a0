/**
 * Applies a fitted model to what a local run measured: predicted AWS Init Duration p50 and p90 per
 * architecture, with a 95 % interval and the model's leave-one-runtime-out error, and the calibration
 * runtimes whose local figures stand nearest (the ones the prediction leans on most).
 */
import type { CalibrationPoint, FittedCell, FittedModel, LineParameters, LocalInitMeasurement, PredictedAwsInit } from './types';

export class PredictionInputError extends Error {}

/** The model's line applied to one effective local figure (ms): exp(intercept + slope × ln(x)). */
export function applyLine(line: LineParameters, effectiveLocalMs: number): number {
  return Math.exp(line.intercept + line.slope * Math.log(effectiveLocalMs));
}

/** The model's input for a cell: local ms + k × file MB. */
export function effectiveLocal(cell: Pick<FittedCell, 'fileMsPerMB'>, localMs: number, fileMB: number): number {
  return localMs + cell.fileMsPerMB * fileMB;
}

function checkInput(input: LocalInitMeasurement): void {
  for (const key of ['localInitP50Ms', 'localInitP90Ms'] as const) {
    const v = input[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new PredictionInputError(`${key} must be a positive number of ms, got ${String(v)}`);
  }
  if (input.localInitP90Ms < input.localInitP50Ms) {
    throw new PredictionInputError(`localInitP90Ms (${input.localInitP90Ms}) is below localInitP50Ms (${input.localInitP50Ms})`);
  }
  const mb = input.localInitFileMB;
  if (typeof mb !== 'number' || !Number.isFinite(mb) || mb <= 0) {
    throw new PredictionInputError(`localInitFileMB must be a positive number of MB (the file bytes INIT brought in, which the local service reads at the first GET /next), got ${String(mb)}`);
  }
  if (input.packageType !== 'Zip' && input.packageType !== 'Image') {
    throw new PredictionInputError(`packageType must be 'Zip' or 'Image', got ${JSON.stringify(input.packageType)}`);
  }
}

/**
 * Calibration runtimes ordered by their distance to the input in (ln local p50, ln file MB), nearest first
 * (ties by name): the two inputs of the model, each on the scale the model reads it.
 */
export function nearestCalibrationRuntimes(points: CalibrationPoint[], localInitP50Ms: number, localInitFileMB: number, count = 2): string[] {
  return [...points]
    .map((p) => ({
      runtime: p.runtime,
      distance: Math.hypot(Math.log(p.localInitP50Ms) - Math.log(localInitP50Ms), Math.log(p.localInitFileMB) - Math.log(localInitFileMB)),
    }))
    .sort((a, b) => a.distance - b.distance || a.runtime.localeCompare(b.runtime))
    .slice(0, count)
    .map((p) => p.runtime);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Outside the calibration runtimes' range the statistical interval is not enough: it assumes the fitted
 * slope (about 0.7 in log-log) holds there, and no calibration function shows that it does. Where the
 * physics says it may be wrong, it is wrong on the upper side:
 * - below the range, AWS may stop shrinking with the local figure (slope 0): a function that does less
 *   than the fastest calibration function still pays the platform's own start-up;
 * - above it, AWS may grow in proportion (slope 1): CPU-bound init runs with burst CPU, so more local work
 *   is as much more on AWS.
 * So the interval's upper end reaches at least the line's value at the edge continued with that slope.
 * Measured: with the committed calibration, the .apr function (model input 3.4 ms, below Rust's 5.3 ms)
 * was predicted 11.4 ms (10.4-12.6) by the statistical interval alone, while lambda-perf's Rust hello world
 * shows 15.9 ms on AWS.
 */
export function withSlopeBracket(interval: { low: number; high: number }, cell: Pick<FittedCell, 'p50' | 'effectiveRange'>, effectiveMs: number): { low: number; high: number } {
  const { min, max } = cell.effectiveRange;
  if (effectiveMs < min) return { low: interval.low, high: Math.max(interval.high, applyLine(cell.p50, min)) };
  if (effectiveMs > max) return { low: interval.low, high: Math.max(interval.high, applyLine(cell.p50, max) * (effectiveMs / max)) };
  return interval;
}

function predictCell(cell: FittedCell, input: LocalInitMeasurement, nearest: string[]): PredictedAwsInit {
  const x50 = effectiveLocal(cell, input.localInitP50Ms, input.localInitFileMB);
  const p50 = applyLine(cell.p50, x50);
  // The p90 line is fitted on its own; a p90 below the p50 would be a fit artefact at the edges.
  const p90 = Math.max(p50, applyLine(cell.p90, effectiveLocal(cell, input.localInitP90Ms, input.localInitFileMB)));
  // The textbook prediction interval of a straight-line fit, with the leave-one-out spread as σ: it
  // widens as ln(effective local) moves away from the calibration runtimes' mean.
  const d = Math.log(x50) - cell.logEffectiveMean;
  const halfWidth = cell.intervalT * cell.looLogResidualSd * Math.sqrt(1 + 1 / cell.n + (d * d) / cell.logEffectiveSxx);
  const range = cell.effectiveRange;
  const statistical = { low: p50 * Math.exp(-halfWidth), high: p50 * Math.exp(halfWidth) };
  const interval = x50 < range.min || x50 > range.max ? withSlopeBracket(statistical, cell, x50) : statistical;
  return {
    architecture: cell.architecture,
    packageType: cell.packageType,
    p50Ms: round2(p50),
    p90Ms: round2(p90),
    interval95: { low: round2(interval.low), high: round2(interval.high) },
    validation: {
      looMedianAbsErrorPct: cell.looMedianAbsErrorPct,
      looMaxAbsErrorPct: cell.looMaxAbsErrorPct,
      runtimes: cell.leaveOneOut.length,
    },
    effectiveLocalMs: round2(x50),
    nearestCalibrationRuntimes: nearest,
    extrapolated: x50 < range.min ? 'below' : x50 > range.max ? 'above' : null,
    effectiveRange: { ...range },
  };
}

/** Predicted AWS Init Duration for x86_64 and arm64 (in that order) of the input's package type. */
export function predictWithModel(input: LocalInitMeasurement, model: FittedModel): PredictedAwsInit[] {
  checkInput(input);
  const nearest = nearestCalibrationRuntimes(model.calibrationPoints, input.localInitP50Ms, input.localInitFileMB);
  const out: PredictedAwsInit[] = [];
  for (const architecture of ['x86_64', 'arm64'] as const) {
    const cell = model.cells.find((c) => c.packageType === input.packageType && c.architecture === architecture);
    if (!cell) throw new PredictionInputError(`the fitted model has no ${input.packageType} ${architecture} cell`);
    out.push(predictCell(cell, input, nearest));
  }
  return out;
}
