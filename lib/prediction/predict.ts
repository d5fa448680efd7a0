/**
 * Applies a fitted model to what a local run measured: predicted AWS Init Duration p50 and p90 and Max
 * Memory Used per architecture, each with an interval whose level and validation are stated, and the
 * calibration runtimes whose local figures stand nearest (the ones the prediction leans on most).
 *
 * Which validation sizes the interval (types.ts, ValidationKind): a calibration hello world (its target
 * file names its lambda-perf runtime, and that runtime's family is in the cell) gets the
 * leave-one-version-out interval; everything else gets the leave-one-family-out one, because the model has
 * not seen it: a ladder rung has a package of its own, a target file is any function, and the .apr function
 * is not the Rust hello world.
 */
import { familyOfRuntime } from './family';
import { applyMemoryLine } from './memory';
import type {
  CalibrationPoint,
  FamilyOutCoverage,
  FittedCell,
  FittedMemoryCell,
  FittedModel,
  IntervalValidation,
  LineParameters,
  LocalInitMeasurement,
  PredictedAwsInit,
  PredictedAwsMemory,
  ValidationKind,
} from './types';
import { effectiveLocalMs } from './fit';
import { flooredFamilyOutQuantile } from './interval-floor';
import { median } from './numbers';

export class PredictionInputError extends Error {}

/** The model's line applied to one effective local figure (ms): exp(intercept + slope × ln(x)). */
export function applyLine(line: LineParameters, effectiveMs: number): number {
  return Math.exp(line.intercept + line.slope * Math.log(effectiveMs));
}

/** The model's input for a cell: local ms + k × the file MB, by kind. */
export function effectiveLocal(cell: Pick<FittedCell, 'kRuntime' | 'kPackage' | 'kZip'>, localMs: number, fileMB: number, packageMB = 0, zipMB = 0): number {
  return effectiveLocalMs(localMs, fileMB, packageMB, cell.kRuntime, cell.kPackage, zipMB, cell.kZip ?? 0);
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
  const own = input.localPackageFileMB;
  if (own !== undefined && (typeof own !== 'number' || !Number.isFinite(own) || own < 0 || own > mb + 1e-9)) {
    throw new PredictionInputError(`localPackageFileMB must be a number of MB from 0 to localInitFileMB (${mb}), got ${String(own)}`);
  }
  if (input.packageType !== 'Zip' && input.packageType !== 'Image') {
    throw new PredictionInputError(`packageType must be 'Zip' or 'Image', got ${JSON.stringify(input.packageType)}`);
  }
}

/**
 * Calibration runtimes ordered by their distance to the input in (ln local p50, ln file MB), nearest first
 * (ties by name): the two inputs of the model, each on the scale the model reads it.
 */
export function nearestCalibrationRuntimes(points: readonly CalibrationPoint[], localInitP50Ms: number, localInitFileMB: number, count = 2): string[] {
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
 * Outside the calibration runtimes' range the interval from the errors is not enough: it assumes the
 * fitted slope (about 0.7 in log-log) holds there, and no calibration function shows that it does. Where
 * the physics says it may be wrong, it is wrong on the upper side:
 * - below the range, AWS may stop shrinking with the local figure (slope 0): a function that does less
 *   than the fastest calibration function still pays the platform's own start-up;
 * - above it, AWS may grow in proportion (slope 1): CPU-bound init runs with burst CPU, so more local work
 *   is as much more on AWS.
 * So the interval's upper end reaches at least the line's value at the edge continued with that slope.
 */
export function withSlopeBracket(interval: { low: number; high: number }, cell: Pick<FittedCell, 'p50' | 'effectiveRange'>, effectiveMs: number): { low: number; high: number } {
  const { min, max } = cell.effectiveRange;
  if (effectiveMs < min) return { low: interval.low, high: Math.max(interval.high, applyLine(cell.p50, min)) };
  if (effectiveMs > max) return { low: interval.low, high: Math.max(interval.high, applyLine(cell.p50, max) * (effectiveMs / max)) };
  return interval;
}

/**
 * The validation that applies to a function: leave-one-version-out only for a hello world of a
 * calibration runtime whose family the cell was fitted on; leave-one-family-out for everything else.
 */
export function validationKindFor(calibrationRuntime: string | undefined, families: readonly string[], familyOf: (runtime: string) => string | undefined): ValidationKind {
  if (calibrationRuntime === undefined) return 'leave-one-family-out';
  const family = familyOf(calibrationRuntime);
  return family !== undefined && families.includes(family) ? 'leave-one-version-out' : 'leave-one-family-out';
}

function validationOf(
  kind: ValidationKind,
  cell: Pick<FittedCell, 'leaveOneOut' | 'leaveOneFamilyOut' | 'n'> & { familyOutCoverage: FamilyOutCoverage },
  families: number,
): IntervalValidation {
  const results = kind === 'leave-one-version-out' ? cell.leaveOneOut : cell.leaveOneFamilyOut;
  const abs = results.map((r) => Math.abs(r.errorPct));
  return {
    kind,
    medianAbsErrorPct: Math.round(median(abs) * 10) / 10,
    maxAbsErrorPct: Math.max(...abs),
    runtimes: cell.n,
    families,
    ...(kind === 'leave-one-family-out'
      ? {
          familyOutCoverage: {
            inside: cell.familyOutCoverage.inside,
            total: cell.familyOutCoverage.total,
            familiesInside: cell.familyOutCoverage.familiesInside,
            families: cell.familyOutCoverage.families,
            level: cell.familyOutCoverage.level,
          },
        }
      : {}),
  };
}

/** An interval from a log half-width; with no finite quantile (too few points), from 0 to infinity. */
function logInterval(center: number, halfWidth: number | null): { low: number; high: number } {
  return halfWidth === null ? { low: 0, high: Number.POSITIVE_INFINITY } : { low: center * Math.exp(-halfWidth), high: center * Math.exp(halfWidth) };
}

/** A runtime's family: the calibration point's when it is one, else read from its label (python3.9 → python). */
function familyOfFrom(model: FittedModel): (runtime: string) => string | undefined {
  return (runtime) => model.calibrationPoints.find((p) => p.runtime === runtime)?.family ?? familyOfRuntime(runtime);
}

function predictCell(cell: FittedCell, input: LocalInitMeasurement, nearest: string[], kind: ValidationKind, floor: FittedModel['intervalFloor']): PredictedAwsInit {
  const own = input.localPackageFileMB ?? 0;
  // The zip term is read in the zip cells only: an image is loaded lazily, block by block (Brooker et al.).
  const zipMB = cell.packageType === 'Zip' ? (input.packageBytes ?? 0) / 1048576 : 0;
  const x50 = effectiveLocal(cell, input.localInitP50Ms, input.localInitFileMB, own, zipMB);
  const p50 = applyLine(cell.p50, x50);
  // The p90 line is fitted on its own; a p90 below the p50 would be a fit artefact at the edges.
  const p90 = Math.max(p50, applyLine(cell.p90, effectiveLocal(cell, input.localInitP90Ms, input.localInitFileMB, own, zipMB)));
  const q = kind === 'leave-one-version-out' ? cell.versionOutLogQuantile : flooredFamilyOutQuantile(cell.familyOutLogQuantile, floor, 'init', cell);
  const range = cell.effectiveRange;
  const fromErrors = logInterval(p50, q);
  const interval = x50 < range.min || x50 > range.max ? withSlopeBracket(fromErrors, cell, x50) : fromErrors;
  return {
    architecture: cell.architecture,
    packageType: cell.packageType,
    p50Ms: round2(p50),
    p90Ms: round2(p90),
    interval: { low: round2(interval.low), high: Number.isFinite(interval.high) ? round2(interval.high) : interval.high, level: kind === 'leave-one-version-out' ? cell.versionOutLevel : cell.familyOutLevel },
    validation: validationOf(kind, cell, cell.families.length),
    effectiveLocalMs: round2(x50),
    nearestCalibrationRuntimes: nearest,
    extrapolated: x50 < range.min ? 'below' : x50 > range.max ? 'above' : null,
    effectiveRange: { ...range },
  };
}

/** Predicted AWS Init Duration for x86_64 and arm64 (in that order, where the model has the cell) of the input's package type. */
export function predictWithModel(input: LocalInitMeasurement, model: FittedModel): PredictedAwsInit[] {
  checkInput(input);
  const nearest = nearestCalibrationRuntimes(model.calibrationPoints, input.localInitP50Ms, input.localInitFileMB);
  const out: PredictedAwsInit[] = [];
  for (const architecture of ['x86_64', 'arm64'] as const) {
    const cell = model.cells.find((c) => c.packageType === input.packageType && c.architecture === architecture);
    if (!cell) continue;
    out.push(predictCell(cell, input, nearest, validationKindFor(input.calibrationRuntime, cell.families, familyOfFrom(model)), model.intervalFloor));
  }
  if (out.length === 0) throw new PredictionInputError(`the fitted model has no ${input.packageType} cell (its calibration table has no ${input.packageType} rows)`);
  return out;
}

function predictMemoryCell(cell: FittedMemoryCell, localMB: number, kind: ValidationKind, floor: FittedModel['intervalFloor']): PredictedAwsMemory {
  const mb = applyMemoryLine(cell.line, localMB);
  const q = kind === 'leave-one-version-out' ? cell.versionOutLogQuantile : flooredFamilyOutQuantile(cell.familyOutLogQuantile, floor, 'memory', cell);
  const fromErrors = logInterval(mb, q);
  // Nothing on AWS uses less memory than the same process here.
  const low = Math.max(localMB, fromErrors.low);
  return {
    architecture: cell.architecture,
    maxMemoryUsedMB: Math.round(mb * 10) / 10,
    interval: { low: Math.round(low * 10) / 10, high: Number.isFinite(fromErrors.high) ? Math.round(fromErrors.high * 10) / 10 : fromErrors.high, level: kind === 'leave-one-version-out' ? cell.versionOutLevel : cell.familyOutLevel },
    validation: validationOf(kind, { ...cell, leaveOneOut: cell.leaveOneOut }, new Set(cell.leaveOneFamilyOut.map((r) => r.family)).size),
    extrapolated: localMB < cell.localRange.min ? 'below' : localMB > cell.localRange.max ? 'above' : null,
  };
}

/** Predicted AWS Max Memory Used for x86_64 and arm64 where the model has a memory cell; [] without a local figure. */
export function predictMemoryWithModel(input: Pick<LocalInitMeasurement, 'localMaxMemoryMB' | 'packageType' | 'calibrationRuntime'>, model: FittedModel): PredictedAwsMemory[] {
  const local = input.localMaxMemoryMB;
  if (local === undefined) return [];
  if (typeof local !== 'number' || !Number.isFinite(local) || local <= 0) throw new PredictionInputError(`localMaxMemoryMB must be a positive number of MB, got ${String(local)}`);
  const out: PredictedAwsMemory[] = [];
  for (const architecture of ['x86_64', 'arm64'] as const) {
    const cell = (model.memoryCells ?? []).find((c) => c.packageType === input.packageType && c.architecture === architecture);
    if (!cell) continue;
    const families = [...new Set(cell.leaveOneFamilyOut.map((r) => r.family))];
    out.push(predictMemoryCell(cell, local, validationKindFor(input.calibrationRuntime, families, familyOfFrom(model)), model.intervalFloor));
  }
  return out;
}
