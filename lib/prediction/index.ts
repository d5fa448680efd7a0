/**
 * Predicts what AWS Lambda's Init Duration would be from a local run, with a small model fitted on
 * calibration functions measured here beside lambda-perf's AWS figures (data/calibration/, README.md in
 * lib/calibration). Stable API:
 *
 *   const model = loadFittedModel();                       // data/calibration/fitted-model.json
 *   predictAwsInit({ localInitP50Ms, localInitP90Ms, localInitFileMB, localPackageFileMB, packageType: 'Image', runtimeLabel }, model)
 *     → [{ architecture: 'x86_64', packageType, p50Ms, p90Ms, interval: { low, high, level }, validation: { kind, ... },
 *          nearestCalibrationRuntimes, extrapolated }, { architecture: 'arm64', ... }]
 *   predictAwsMemory({ localMaxMemoryMB, packageType }, model) → [{ architecture, maxMemoryUsedMB, interval, validation }, ...]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { predictMemoryWithModel, predictWithModel } from './predict';
import type { CalibrationMachine, FittedModel, HoldoutSummary, LocalInitMeasurement, PredictedAwsInit, PredictedAwsMemory } from './types';

export type {
  Architecture,
  CalibrationMachine,
  CalibrationPoint,
  CalibrationRow,
  FittedCell,
  FittedMemoryCell,
  FittedModel,
  HoldoutSummary,
  IntervalFloor,
  IntervalValidation,
  LeaveOneOutResult,
  LineParameters,
  LocalInitMeasurement,
  PackageType,
  PredictedAwsInit,
  PredictedAwsMemory,
  ValidationKind,
} from './types';
export { PredictionInputError, nearestCalibrationRuntimes } from './predict';
export { INTERVAL_LEVEL } from './conformal';
export { cellsWidenedByFloor } from './interval-floor';
export { byValidationSentence } from './holdout-sentence';

/** Where the committed fitted model lives. */
export const FITTED_MODEL_PATH = path.resolve(__dirname, '..', '..', 'data', 'calibration', 'fitted-model.json');

/** Where the committed model's hold-out check lives (lib/calibration/holdout.ts writes it). */
export const HOLDOUT_CHECK_PATH = path.resolve(__dirname, '..', '..', 'data', 'calibration', 'holdout-check.json');

/**
 * The committed model's hold-out check, its summary only: null when there is none (a calibration without
 * hold-outs); { unavailable } naming the problem when the file cannot be read as one.
 */
export function loadHoldoutSummary(file: string = HOLDOUT_CHECK_PATH): HoldoutSummary | { unavailable: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { unavailable: `cannot read the hold-out check ${file}: ${(error as Error).message}` };
  }
  try {
    const summary = (JSON.parse(text) as { summary?: HoldoutSummary }).summary;
    if (!summary || typeof summary.cells !== 'number' || !Array.isArray(summary.misses) || !Array.isArray(summary.runtimes)) throw new Error('it has no summary of the check');
    return summary;
  } catch (error) {
    return { unavailable: `the hold-out check ${file} is not what npm run calibrate writes: ${(error as Error).message}` };
  }
}

/** What `npm run calibrate` writes beside the model: the raw local measurements and the machine they came from. */
export const MEASUREMENTS_FILE = 'local-measurements.json';

export class FittedModelError extends Error {}

/** What a calibration's measurements file (local-measurements.json) says of its machine, as parsed JSON. */
interface MeasurementsHeader {
  measuredAt?: unknown;
  machine?: { cpuModel?: unknown; cpus?: unknown; loadAverage1mBefore?: unknown };
  limits?: { applied?: unknown };
}

/**
 * The machine a calibration was measured on, from its measurements file's header (written by npm run
 * calibrate beside the model, or by a bench that calibrated in the run); null when the header does not say.
 */
export function calibrationMachineOf(file: MeasurementsHeader): CalibrationMachine | null {
  const m = file.machine;
  if (!m || typeof m.cpuModel !== 'string' || typeof m.cpus !== 'number' || typeof m.loadAverage1mBefore !== 'number' || typeof file.measuredAt !== 'string') return null;
  return { cpuModel: m.cpuModel, cpus: m.cpus, loadAverage1mBefore: m.loadAverage1mBefore, limitsApplied: file.limits?.applied === true, measuredAt: file.measuredAt };
}

/** The machine of the calibration whose local-measurements.json this is; null when the file is absent or does not say. */
export function readCalibrationMachine(measurementsFile: string): CalibrationMachine | null {
  try {
    return calibrationMachineOf(JSON.parse(fs.readFileSync(measurementsFile, 'utf8')) as MeasurementsHeader);
  } catch {
    return null;
  }
}

/**
 * Reads the fitted model (by default the committed data/calibration/fitted-model.json), with the machine
 * it was calibrated on when local-measurements.json lies beside it.
 */
export function loadFittedModel(file: string = FITTED_MODEL_PATH): FittedModel {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new FittedModelError(`cannot read the fitted model ${file}: ${(error as Error).message} (npm run calibrate -- --refit writes it)`);
  }
  let model: FittedModel;
  try {
    model = JSON.parse(text) as FittedModel;
  } catch (error) {
    throw new FittedModelError(`${file} is not JSON (${(error as Error).message}); npm run calibrate -- --refit writes it again from the calibration table`);
  }
  if (model === null || typeof model !== 'object' || model.schemaVersion !== 3 || !Array.isArray(model.cells) || !Array.isArray(model.calibrationPoints) || !Array.isArray(model.memoryCells)) {
    throw new FittedModelError(`${file} is not a fitted model of schema version 3 (npm run calibrate -- --refit writes one)`);
  }
  const machine = readCalibrationMachine(path.join(path.dirname(file), MEASUREMENTS_FILE));
  return machine ? { ...model, calibratedOn: machine } : model;
}

/**
 * Predicted AWS Init Duration (p50, p90, 95 % interval of the p50, leave-one-runtime-out error, nearest
 * calibration runtimes) for x86_64 and arm64, in that order, from a local run's Init Duration measured
 * with burst CPU and the file MB its cold starts' INIT brought in. Throws PredictionInputError on a bad input.
 */
export function predictAwsInit(input: LocalInitMeasurement, model: FittedModel = loadFittedModel()): PredictedAwsInit[] {
  return predictWithModel(input, model);
}

/** Predicted AWS Max Memory Used (with the environment's own overhead, as AWS reports it) per architecture. */
export function predictAwsMemory(input: Pick<LocalInitMeasurement, 'localMaxMemoryMB' | 'packageType' | 'calibrationRuntime'>, model: FittedModel = loadFittedModel()): PredictedAwsMemory[] {
  return predictMemoryWithModel(input, model);
}
