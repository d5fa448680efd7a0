/**
 * The shapes of the AWS Init Duration model: what a prediction takes, what it gives, and the fitted
 * parameters as they are stored in data/calibration/fitted-model.json.
 */

import type { Architecture, PackageType } from '../benchmark/types';

export type { Architecture, PackageType };

export const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];
export const PACKAGE_TYPES: readonly PackageType[] = ['Zip', 'Image'];

/** What a local run measured of one function, the model's input. */
export interface LocalInitMeasurement {
  /** Local Init Duration p50 (ms), measured with burst CPU (no CPU quota during init). */
  localInitP50Ms: number;
  /** Local Init Duration p90 (ms), same run. */
  localInitP90Ms: number;
  /** p50 of the file MB each cold start's INIT brought in (lib/local-lambda/init-footprint.ts), same run. */
  localInitFileMB: number;
  packageType: PackageType;
  /** Size of the deployment package (zip or image content), bytes; informational, not a model input. */
  packageBytes?: number;
  /** The function's runtime label (e.g. 'python3.12', 'provided.al2023'), used to name nearest runtimes. */
  runtimeLabel?: string;
}

/** The model's answer for one architecture. */
export interface PredictedAwsInit {
  architecture: Architecture;
  packageType: PackageType;
  /** Predicted AWS Init Duration p50 / p90, ms. */
  p50Ms: number;
  p90Ms: number;
  /**
   * 95 % prediction interval of the p50, ms, from the leave-one-runtime-out residuals; when extrapolated,
   * its upper end reaches at least the line continued from the range's edge with slope 0 (below) or 1
   * (above) (predict.ts, withSlopeBracket).
   */
  interval95: { low: number; high: number };
  /** Leave-one-runtime-out error of the p50 over the calibration runtimes of this package type and architecture. */
  validation: { looMedianAbsErrorPct: number; looMaxAbsErrorPct: number; runtimes: number };
  /** The model's input: local p50 + k × file MB, ms (k is this cell's fileMsPerMB). */
  effectiveLocalMs: number;
  /** Calibration runtimes whose local p50 and file MB are closest (in log scale) to the input's, nearest first. */
  nearestCalibrationRuntimes: string[];
  /**
   * 'below' or 'above' when the effective local ms lies outside the calibration runtimes' range: the line
   * is extrapolated, and the interval widens with the distance (see fit.ts) and upwards to the slope the
   * physics allows beyond the edge (predict.ts), but no calibration function vouches for it; null inside.
   */
  extrapolated: 'below' | 'above' | null;
  /** The calibration runtimes' effective local ms in this cell span this range. */
  effectiveRange: { min: number; max: number };
}

/** One straight line of the model: predicted = exp(intercept + slope × ln(local + k × file MB)) (see fit.ts). */
export interface LineParameters {
  intercept: number;
  slope: number;
}

/** A calibration runtime as the model remembers it, for nearest-runtime look-ups and the report. */
export interface CalibrationPoint {
  runtime: string;
  localInitP50Ms: number;
  localInitP90Ms: number;
  localInitFileMB: number;
}

export interface LeaveOneOutResult {
  /** The runtime left out. */
  runtime: string;
  awsP50Ms: number;
  predictedP50Ms: number;
  /** (predicted − AWS) / AWS × 100. */
  errorPct: number;
}

/** Parameters and validation of one (package type, architecture) cell. */
export interface FittedCell {
  packageType: PackageType;
  architecture: Architecture;
  /** k: what one MB brought in during init weighs, in ms of local init (fit.ts). */
  fileMsPerMB: number;
  p50: LineParameters;
  p90: LineParameters;
  /** Root mean square of the leave-one-out log residuals of the p50 (the interval's σ). */
  looLogResidualSd: number;
  /** Calibration points of the cell, and the mean and sum of squared deviations of their ln(effective local ms): the interval's leverage term. */
  n: number;
  logEffectiveMean: number;
  logEffectiveSxx: number;
  /** Range of the calibration runtimes' effective local ms (local p50 + k × file MB). */
  effectiveRange: { min: number; max: number };
  /** Range of the calibration runtimes' local p50, ms. */
  localP50Range: { min: number; max: number };
  /** Two-sided 97.5 % Student t quantile for the interval, with the cell's degrees of freedom. */
  intervalT: number;
  leaveOneOut: LeaveOneOutResult[];
  looMedianAbsErrorPct: number;
  looMaxAbsErrorPct: number;
  /** Stricter: every runtime of a language family left out together (a runtime the model has not seen). */
  leaveOneFamilyOut: LeaveOneOutResult[];
  lofoMedianAbsErrorPct: number;
  lofoMaxAbsErrorPct: number;
}

/**
 * The machine and conditions the calibration functions were measured under, as
 * data/calibration/local-measurements.json records them: local figures, and so the model, hold for these.
 */
export interface CalibrationMachine {
  cpuModel: string;
  cpus: number;
  /** 1-minute load average before the measuring run. */
  loadAverage1mBefore: number;
  limitsApplied: boolean;
  measuredAt: string;
}

export interface FittedModel {
  /** 2: two inputs (local Init Duration and init file MB); 1 had the local Init Duration only. */
  schemaVersion: 2;
  /** The model's form in words. */
  form: string;
  /** The calibration table it was fitted from (path relative to the repository, and its SHA-256). */
  table: { path: string; sha256: string };
  calibrationPoints: CalibrationPoint[];
  cells: FittedCell[];
  /**
   * Not in fitted-model.json (which is a function of the table alone): loadFittedModel attaches it from
   * the local-measurements.json beside the model, when there is one.
   */
  calibratedOn?: CalibrationMachine;
}
