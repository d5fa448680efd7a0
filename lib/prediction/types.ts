/**
 * The shapes of the AWS model: the calibration points it is fitted on, what a prediction takes, what it
 * gives, and the fitted parameters as they are stored in fitted-model.json (data/calibration/, or a
 * run's own calibration/ folder when the bench calibrated in the run).
 */

import type { Architecture, PackageType } from '../util/lambda-types';

export type { Architecture, PackageType };

export const ARCHITECTURES: readonly Architecture[] = ['x86_64', 'arm64'];
export const PACKAGE_TYPES: readonly PackageType[] = ['Zip', 'Image'];

/**
 * One calibration point: a function measured locally beside what AWS measured for the same runtime (a
 * lambda-perf hello world) or for the same function (an AWS run of this project). A row of
 * calibration-table.csv.
 */
export interface CalibrationRow {
  /** The calibration function (its target file's functionName), or the target of an AWS run. */
  calibrationFunction: string;
  /** lambda-perf's runtime label ('python3.12', 'rust (prov.al2023)'), or the target's runtime. */
  runtime: string;
  /** The runtime's family (rust, python, nodejs, java, bun, ...): the unit left out by leave-one-family-out. */
  family: string;
  /**
   * Where the AWS figures come from: 'lambda-perf <first day>..<last day> (<commit>)' or
   * 'aws-run <execution> <region> <date>'. Every model names its points' sources.
   */
  source: string;
  localN: number;
  localInitP50Ms: number;
  localInitP90Ms: number;
  /** p50 of the file MB each cold start's INIT brought in locally (lib/local-lambda/init-footprint.ts). */
  localInitFileMB: number;
  /** Of it, p50 of the MB of mappings under the function's own package (what Lambda puts in /var/task). */
  localPackageFileMB: number;
  /** p50 of the cold invocations' Max Memory Used, locally, MB. */
  localMaxMemoryMB: number;
  /** The deployment package Lambda receives (the zip), MB; read in the Zip cells only. */
  packageZipMB: number;
  packageType: PackageType;
  architecture: Architecture;
  awsMemoryMB: number;
  awsN: number;
  awsInitP50Ms: number;
  awsInitP90Ms: number;
  /** AWS Max Memory Used of the cold invocations (lambda-perf: the mean of its daily means), MB; null when unknown. */
  awsMaxMemoryMB: number | null;
}

/** What a local run measured of one function, the model's input. */
export interface LocalInitMeasurement {
  /** Local Init Duration p50 (ms), measured with burst CPU (no CPU quota during init). */
  localInitP50Ms: number;
  /** Local Init Duration p90 (ms), same run. */
  localInitP90Ms: number;
  /** p50 of the file MB each cold start's INIT brought in (lib/local-lambda/init-footprint.ts), same run. */
  localInitFileMB: number;
  /** Of it, the MB under the function's own package; absent: unknown, taken as 0 (all the runtime's). */
  localPackageFileMB?: number;
  /** p50 of the cold invocations' Max Memory Used, MB; absent: no memory prediction. */
  localMaxMemoryMB?: number;
  packageType: PackageType;
  /** Size of the deployment package (zip or image content), bytes: the zip's is an input of the 'zip-k' form (zip cells). */
  packageBytes?: number;
  /** The function's runtime label (e.g. 'python3.12', 'provided.al2023'), used to name nearest runtimes. */
  runtimeLabel?: string;
  /**
   * The lambda-perf runtime this function is a hello world of (a calibration function's target file says
   * so). Only then may its interval come from leaving one version out; every other function is something
   * the model has not seen, and its interval comes from leaving whole families out.
   */
  calibrationRuntime?: string;
}

/**
 * Which validation an interval and an error come from:
 * - 'leave-one-version-out': each calibration runtime predicted by a model fitted without it, the rest of its
 *   family kept (how well the line fits one more version of a family it knows);
 * - 'leave-one-family-out': every runtime of a family left out together (how well it predicts a runtime, or
 *   a function, it has not seen). Every target but a calibration hello world is judged by this one.
 */
export type ValidationKind = 'leave-one-version-out' | 'leave-one-family-out';

/** The validation behind one printed interval. */
export interface IntervalValidation {
  kind: ValidationKind;
  /** |error| of the p50 over the calibration runtimes of the cell, under this validation. */
  medianAbsErrorPct: number;
  maxAbsErrorPct: number;
  runtimes: number;
  families: number;
  /**
   * On the calibration set: how often AWS's figure fell inside the interval this model would have printed
   * for a runtime whose whole family was left out (the interval itself from the other families only).
   * Only for 'leave-one-family-out'.
   */
  familyOutCoverage?: FamilyOutCoverage;
}

/** The model's answer for one architecture. */
export interface PredictedAwsInit {
  architecture: Architecture;
  packageType: PackageType;
  /** Predicted AWS Init Duration p50 / p90, ms. */
  p50Ms: number;
  p90Ms: number;
  /**
   * Prediction interval of the p50, ms, at `level`: the split-conformal quantile of the validation's
   * |log errors| (conformal.ts); when extrapolated, its upper end reaches at least the line continued
   * from the range's edge with slope 0 (below) or 1 (above) (predict.ts, withSlopeBracket).
   */
  interval: { low: number; high: number; level: number };
  validation: IntervalValidation;
  /** The model's input: local p50 + k × file MB (by kind, see fit.ts), ms. */
  effectiveLocalMs: number;
  /** Calibration runtimes whose local p50 and file MB are closest (in log scale) to the input's, nearest first. */
  nearestCalibrationRuntimes: string[];
  /**
   * 'below' or 'above' when the effective local ms lies outside the calibration runtimes' range: the line
   * is extrapolated, and the interval widens upwards to the slope the physics allows beyond the edge
   * (predict.ts), but no calibration function vouches for it; null inside.
   */
  extrapolated: 'below' | 'above' | null;
  /** The calibration runtimes' effective local ms in this cell span this range. */
  effectiveRange: { min: number; max: number };
}

/** Predicted AWS Max Memory Used for one architecture (AWS counts the environment's own processes). */
export interface PredictedAwsMemory {
  architecture: Architecture;
  /** Predicted Max Memory Used of a cold invocation on AWS, MB. */
  maxMemoryUsedMB: number;
  interval: { low: number; high: number; level: number };
  validation: IntervalValidation;
  /** 'above' when the local figure lies above every calibration function's: the line is extrapolated. */
  extrapolated: 'below' | 'above' | null;
}

/** One straight line: y = intercept + slope × x. */
export interface LineParameters {
  intercept: number;
  slope: number;
}

/** A calibration runtime as the model remembers it, for nearest-runtime look-ups and the report. */
export type CalibrationPoint = Pick<
  CalibrationRow,
  'runtime' | 'family' | 'source' | 'localInitP50Ms' | 'localInitP90Ms' | 'localInitFileMB' | 'localPackageFileMB' | 'localMaxMemoryMB' | 'packageZipMB'
>;

export interface LeaveOneOutResult {
  /** The runtime left out. */
  runtime: string;
  family: string;
  awsP50Ms: number;
  predictedP50Ms: number;
  /** (predicted − AWS) / AWS × 100. */
  errorPct: number;
}

/**
 * How the file MB enter the model's input:
 * - 'one-k': local + k × file MB (every file page alike);
 * - 'split-k': local + kRuntime × (file MB − package MB) + kPackage × package MB (the runtime's files, shared
 *   by every function on a Lambda worker, and the function's own package, fetched for it alone, may cost
 *   differently);
 * - 'zip-k': local + k × file MB + kZip × zip MB (AWS downloads a function's code for a new environment;
 *   zip cells only; see fit.ts for what AWS says of it and what it does not).
 */
export type InitForm = 'one-k' | 'split-k' | 'zip-k';

/** A form as it fared on the cell's calibration points, for the write-up of every form tried. */
export interface FormTried {
  form: InitForm;
  kRuntime: number;
  kPackage: number;
  kZip: number;
  looMaxAbsErrorPct: number;
  lofoMedianAbsErrorPct: number;
  lofoMaxAbsErrorPct: number;
  /** Root mean square of the leave-one-family-out log errors: what chooses the form. */
  lofoLogRms: number;
}

/** Parameters and validation of one (package type, architecture) cell of the Init Duration model. */
export interface FittedCell {
  packageType: PackageType;
  architecture: Architecture;
  form: InitForm;
  /** ms of local init that one MB of the runtime's files brought in during init weighs (fit.ts). */
  kRuntime: number;
  /** The same for one MB of the function's own package (equal to kRuntime but in the 'split-k' form). */
  kPackage: number;
  /** ms of local init that one MB of the zip Lambda receives weighs ('zip-k' form; 0 otherwise). */
  kZip: number;
  p50: LineParameters;
  p90: LineParameters;
  formsTried: FormTried[];
  n: number;
  families: string[];
  /** Range of the calibration runtimes' effective local ms. */
  effectiveRange: { min: number; max: number };
  /** Range of the calibration runtimes' local p50, ms. */
  localP50Range: { min: number; max: number };
  /**
   * The printed intervals: their levels and the |log error| quantiles that give their half-widths. Version
   * left out: conformal over the runtimes' errors. Family left out: conformal over the families' errors (each
   * family's largest), since runtimes of one family err together; with F families the level can be at most
   * F / (F + 1), and the one printed says so.
   */
  versionOutLevel: number;
  versionOutLogQuantile: number | null;
  familyOutLevel: number;
  familyOutLogQuantile: number | null;
  leaveOneOut: LeaveOneOutResult[];
  looMedianAbsErrorPct: number;
  looMaxAbsErrorPct: number;
  /** Every runtime of a family left out together (a runtime the model has not seen). */
  leaveOneFamilyOut: LeaveOneOutResult[];
  lofoMedianAbsErrorPct: number;
  lofoMaxAbsErrorPct: number;
  /**
   * Nested: each family left out, its interval made from the other families' own family-out errors (at the
   * level F − 1 families allow, `level`); was AWS inside? Counted by runtime and by family.
   */
  familyOutCoverage: FamilyOutCoverage & { byRuntime: { runtime: string; inside: boolean; errorPct: number; halfWidthPct: number | null }[] };
}

/** How often AWS fell inside the family-out interval when each family was left out of everything. */
export interface FamilyOutCoverage {
  inside: number;
  total: number;
  familiesInside: number;
  families: number;
  /** The level of the intervals so checked (F − 1 families size each). */
  level: number;
}

/** The Max Memory Used model of one cell: AWS = intercept + slope × local, MB (memory.ts). */
export interface FittedMemoryCell {
  packageType: PackageType;
  architecture: Architecture;
  line: LineParameters;
  n: number;
  localRange: { min: number; max: number };
  versionOutLevel: number;
  versionOutLogQuantile: number | null;
  familyOutLevel: number;
  familyOutLogQuantile: number | null;
  leaveOneOut: LeaveOneOutResult[];
  leaveOneFamilyOut: LeaveOneOutResult[];
  looMaxAbsErrorPct: number;
  lofoMedianAbsErrorPct: number;
  lofoMaxAbsErrorPct: number;
  familyOutCoverage: FamilyOutCoverage;
}

/**
 * The machine and conditions the calibration functions were measured under, as
 * local-measurements.json records them: local figures, and so the model, hold for these.
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
  /** 3: validation by family, split file MB, Max Memory Used; 2 had one k and leave-one-runtime-out intervals. */
  schemaVersion: 3;
  /** The model's form in words. */
  form: string;
  /** The calibration table it was fitted from (path relative to the repository or the run, and its SHA-256). */
  table: { path: string; sha256: string };
  /** Where the points' AWS figures come from (each distinct source once). */
  sources: string[];
  calibrationPoints: CalibrationPoint[];
  cells: FittedCell[];
  memoryCells: FittedMemoryCell[];
  /**
   * Not in fitted-model.json (which is a function of the table alone): loadFittedModel attaches it from
   * the local-measurements.json beside the model, when there is one.
   */
  calibratedOn?: CalibrationMachine;
  /**
   * Not in fitted-model.json either: a run's own model carries the committed model's family-out half-widths
   * as a floor under its own (interval-floor.ts), since its own come from few cold starts.
   */
  intervalFloor?: IntervalFloor;
}

/** Family-out |log error| half-widths that a model's family-out intervals are not narrower than. */
export interface IntervalFloor {
  /** Where the floor comes from, said in the report: the committed model's path and its table's SHA-256. */
  from: { path: string; sha256: string };
  cells: { packageType: PackageType; architecture: Architecture; familyOutLogQuantile: number }[];
  memoryCells: { packageType: PackageType; architecture: Architecture; familyOutLogQuantile: number }[];
}

/**
 * The hold-out check of a model (data/calibration/holdout-check.json, written by `npm run calibrate`): hello
 * worlds of runtimes outside the calibration set, never fitted on, predicted as an unseen runtime is and set
 * beside lambda-perf's AWS p50 (lib/calibration/holdout.ts).
 */
export interface HoldoutSummary {
  /** Cells checked (hold-out × package type × architecture). */
  cells: number;
  /** The bound on |error| the count below uses, percent of AWS's p50. */
  boundPct: number;
  withinBound: number;
  insideInterval: number;
  medianAbsErrorPct: number | null;
  maxAbsErrorPct: number | null;
  /** The hold-outs' lambda-perf runtimes. */
  runtimes: string[];
  /** Every cell beyond the bound or outside its interval. */
  misses: { runtime: string; packageType: PackageType; architecture: Architecture; errorPct: number; insideInterval: boolean }[];
  /** The same count for Max Memory Used, over the cells with an AWS figure and a memory prediction. */
  memory?: { cells: number; withinBound: number; insideInterval: number; maxAbsErrorPct: number | null };
  /**
   * The counts apart for each validation a hold-out's interval came from: family left out (a family the model
   * has not seen: Go, C++, Ruby) and version left out (a new version of a family it has: Python 3.9, Java 11).
   * Absent in checks written before the version hold-outs.
   */
  byValidation?: Partial<Record<ValidationKind, { cells: number; withinBound: number; insideInterval: number }>>;
  /** Hold-outs that failed in the run (each with why), so not in the counts; absent when none did. */
  failed?: string[];
}
