/**
 * Hold-out functions (holdout/<name>/target*.json): hello worlds of runtimes outside the calibration set
 * whose AWS cold starts lambda-perf also publishes (data/lambda-perf/holdout/). The model is never fitted
 * on them. `npm run calibrate` measures them in the same rounds as the calibration functions and checks
 * what the fitted model predicts for each, with the interval it prints for a runtime it has not seen,
 * against AWS's p50: the test on functions outside the set that leaving families out can only imitate.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { byValidationSentence } from '../prediction/holdout-sentence';
import { median, round } from '../prediction/numbers';
import { predictMemoryWithModel, predictWithModel } from '../prediction/predict';
import type { CalibrationRow, FittedModel, HoldoutSummary, PackageType, ValidationKind } from '../prediction/types';
import { missingTargetFileParts } from '../targets/local-targets';
import { readTargetFile, targetFilesUnder, type TargetFile } from '../targets/target-file';
import { type AwsInitFigure, awsFigureOrUndefined, readAwsFigures } from './aws-figures';
import type { FunctionMeasurement, MeasurementRun } from './measure';
import { calibrationRows } from './calibrate';

/** lambda-perf's figures of the hold-out runtimes, in data/lambda-perf/ (data/lambda-perf/holdout/README.md). */
export const HOLDOUT_AWS_FIGURES_FILE = path.join('holdout', 'init-duration-holdout-2026-07-01_2026-08-22.csv');

/** What the hold-out figures name as their source (data/lambda-perf/holdout/README.md). */
export const HOLDOUT_SOURCE =
  'lambda-perf, 14 daily files 2026-07-01..2026-08-21 (data/lambda-perf/holdout/README.md); the runtimes they lack (ruby3.2, python3.9, java11) from the carried summary (data/lambda-perf/README.md)';

/** Where `npm run calibrate` writes the check, beside the table and the model. */
export const HOLDOUT_CHECK_FILE = 'holdout-check.json';

/** The error the issue asks a prediction of an unseen runtime to stay within, in percent of AWS's p50. */
export const HOLDOUT_ERROR_BOUND_PCT = 30;

/** lambda-perf's memory size the check reads (Init Duration does not depend on it: data/lambda-perf/README.md). */
const AWS_MEMORY_MB = 128;

export class HoldoutError extends Error {}

export function defaultHoldoutFiguresPath(projectRoot: string): string {
  return path.resolve(projectRoot, 'data', 'lambda-perf', HOLDOUT_AWS_FIGURES_FILE);
}

/**
 * The AWS figures the hold-outs are checked against: the hold-out file's rows (rebuilt from lambda-perf's
 * daily records, which hold the runtimes the carried summary lacks: Go, C++, shell), then the carried
 * summary's rows of every runtime the hold-out file has no row of (Ruby: the summary has it, the records
 * were pooled for the others only). One runtime's figures always come from one file.
 */
export function readHoldoutAwsFigures(holdoutCsv: string, summaryCsv: string): AwsInitFigure[] {
  const holdout = readAwsFigures(holdoutCsv);
  const covered = new Set(holdout.map((f) => f.runtime));
  return [...holdout, ...readAwsFigures(summaryCsv).filter((f) => !covered.has(f.runtime))];
}

/** What a check names as its AWS figures: the two files, hold-out first. */
export function holdoutAwsFiguresLabel(holdoutCsv: string, summaryCsv: string): string {
  return `${path.basename(holdoutCsv)} + ${path.basename(summaryCsv)}`;
}

/** Every hold-out target file: holdout/<function>/target*.json, in name order; none when there is no holdout/. */
export function holdoutTargetFiles(projectRoot: string): string[] {
  const dir = path.join(projectRoot, 'holdout');
  return fs.existsSync(dir) ? targetFilesUnder(dir) : [];
}

/**
 * The hold-outs' descriptions, built or not: what checking stored measurements needs (each one's function
 * name and lambda-perf runtime). A target file that cannot be parsed, or names no hold-out runtime, is refused.
 */
export function readHoldoutTargets(projectRoot: string): TargetFile[] {
  return holdoutTargetFiles(projectRoot).map((f) => {
    // Described only: its package and paths are not looked at (it may not be built here).
    const t = readTargetFile(f, { sizeOf: () => 0, exists: () => true });
    if (!t.holdOut) throw new HoldoutError(`${f} has no "holdOut" block naming its lambda-perf runtime`);
    return t;
  });
}

/**
 * The hold-outs that can be measured here (command, folder and package built), and the others named with
 * why: a hold-out whose toolchain this machine lacks is left out, never a reason to stop.
 */
export function builtHoldoutTargets(projectRoot: string, only?: readonly string[]): { built: TargetFile[]; missing: string[] } {
  const built: TargetFile[] = [];
  const missing: string[] = [];
  for (const t of readHoldoutTargets(projectRoot)) {
    if (only && !only.includes(t.definition.functionName)) continue;
    let target: TargetFile;
    try {
      // Read again with every check: the package's size and paths must exist to be measured.
      target = readTargetFile(t.file);
    } catch (error) {
      missing.push(`${t.definition.functionName} (not built here: ${(error as Error).message})`);
      continue;
    }
    const lacking = missingTargetFileParts(target);
    if (lacking) missing.push(`${t.definition.functionName} (not built here: ${lacking})`);
    else built.push(target);
  }
  return { built, missing };
}

export interface HoldoutCheckRow {
  functionName: string;
  /** lambda-perf's label of the runtime the function is a hello world of. */
  runtime: string;
  packageType: PackageType;
  architecture: 'x86_64' | 'arm64';
  local: { n: number; initP50Ms: number; initFileMB: number; packageFileMB: number; packageZipMB: number; maxMemoryMB: number };
  aws: { n: number; initP50Ms: number; maxMemoryMB: number | null };
  /** What the model printed: the p50 and its interval, with the validation behind it (family-out: the runtime is unseen). */
  predicted: { p50Ms: number; low: number; high: number; level: number; validation: ValidationKind; extrapolated: 'below' | 'above' | null };
  /** (predicted − AWS) / AWS, percent. */
  errorPct: number;
  insideInterval: boolean;
  withinBound: boolean;
  /** Max Memory Used predicted beside AWS's mean of lambda-perf's daily means; null without an AWS figure or a memory cell. */
  memory: { predictedMB: number; low: number; high: number; awsMB: number; errorPct: number; insideInterval: boolean } | null;
}

const round1 = (x: number) => round(x, 1);
const round2 = (x: number) => round(x, 2);

/**
 * The model's predictions for each measured hold-out, in every cell (package type × architecture) where both
 * the model and lambda-perf's hold-out figures have one, beside AWS's p50. A hold-out with no lambda-perf row
 * at all is refused, naming it; so is one the model was fitted on (it would not be a hold-out).
 */
export function checkHoldouts(functions: readonly FunctionMeasurement[], targets: readonly TargetFile[], aws: readonly AwsInitFigure[], model: FittedModel): HoldoutCheckRow[] {
  const fitted = new Set(model.calibrationPoints.map((p) => p.runtime));
  const rows: HoldoutCheckRow[] = [];
  for (const m of functions) {
    const target = targets.find((t) => t.definition.functionName === m.functionName);
    const runtime = target?.holdOut?.lambdaPerfRuntime;
    if (!runtime) throw new HoldoutError(`${m.functionName}: no hold-out runtime named in its target file`);
    if (fitted.has(runtime)) throw new HoldoutError(`${m.functionName}: ${runtime} is one of the model's calibration points, so it cannot test the model`);
    const packageZipMB = (m.packageBytes ?? 0) / 1048576;
    let cells = 0;
    for (const packageType of ['Zip', 'Image'] as const) {
      const input = {
        localInitP50Ms: m.initP50Ms,
        localInitP90Ms: m.initP90Ms,
        localInitFileMB: m.initFileMBP50,
        localPackageFileMB: Math.min(m.initPackageFileMBP50, m.initFileMBP50),
        localMaxMemoryMB: m.maxMemoryUsedMBP50,
        packageType,
        packageBytes: m.packageBytes,
        runtimeLabel: m.runtimeLabel,
        // Named as a target file names it: a new version of a family the model was fitted on gets the
        // version-out interval, any other runtime the family-out one, as a user's function would.
        calibrationRuntime: runtime,
      };
      const hasCell = model.cells.some((c) => c.packageType === packageType);
      if (!hasCell) continue;
      const predictions = predictWithModel(input, model);
      const memories = predictMemoryWithModel(input, model);
      for (const p of predictions) {
        const f = awsFigureOrUndefined(aws, { runtime, packageType, architecture: p.architecture, memoryMB: AWS_MEMORY_MB });
        if (!f) continue;
        cells++;
        const errorPct = round1(((p.p50Ms - f.initP50Ms) / f.initP50Ms) * 100);
        const mem = memories.find((x) => x.architecture === p.architecture);
        const awsMB = f.maxMemoryUsedMBMean;
        rows.push({
          functionName: m.functionName,
          runtime,
          packageType,
          architecture: p.architecture,
          local: {
            n: m.initDurationsMs.length,
            initP50Ms: round2(m.initP50Ms),
            initFileMB: round2(m.initFileMBP50),
            packageFileMB: round2(input.localPackageFileMB),
            packageZipMB: round2(packageZipMB),
            maxMemoryMB: round2(m.maxMemoryUsedMBP50),
          },
          aws: { n: f.n, initP50Ms: f.initP50Ms, maxMemoryMB: awsMB },
          predicted: { p50Ms: p.p50Ms, low: p.interval.low, high: p.interval.high, level: p.interval.level, validation: p.validation.kind, extrapolated: p.extrapolated },
          errorPct,
          insideInterval: f.initP50Ms >= p.interval.low && f.initP50Ms <= p.interval.high,
          withinBound: Math.abs(errorPct) <= HOLDOUT_ERROR_BOUND_PCT,
          memory:
            mem && awsMB !== null
              ? {
                  predictedMB: mem.maxMemoryUsedMB,
                  low: mem.interval.low,
                  high: mem.interval.high,
                  awsMB,
                  errorPct: round1(((mem.maxMemoryUsedMB - awsMB) / awsMB) * 100),
                  insideInterval: awsMB >= mem.interval.low && awsMB <= mem.interval.high,
                }
              : null,
        });
      }
    }
    if (cells === 0) {
      const known = [...new Set(aws.map((f) => f.runtime))].join(', ');
      throw new HoldoutError(`${m.functionName}: lambda-perf's hold-out figures have no ${runtime} row at ${AWS_MEMORY_MB} MB in a cell the model has (runtimes: ${known})`);
    }
  }
  return rows;
}

/** What holdout-check.json holds: the hold-outs' raw measurements (so a refit can check again) and the check. */
export interface HoldoutCheckFile {
  measuredAt: string;
  machine: { cpuModel: string; cpus: number };
  coldStartsPerFunction: number;
  limits: MeasurementRun['limits'];
  awsFigures: string;
  awsSource: string;
  /** The model checked: its table's path and hash (fitted-model.json records the same). */
  model: FittedModel['table'];
  /** Hold-outs that could not be measured here (not built), each with why. */
  notMeasured: string[];
  functions: FunctionMeasurement[];
  rows: HoldoutCheckRow[];
  summary: HoldoutSummary;
}

export type { HoldoutSummary };

/** What a check is made from: the hold-outs' measurements and where they came from (holdout-check.json without the check). */
export type HoldoutMeasurements = Omit<HoldoutCheckFile, 'rows' | 'summary' | 'model'>;

/** The measurements a stored check was made from, to check them again against another model. */
export function holdoutMeasurementsOf(file: HoldoutCheckFile): HoldoutMeasurements {
  const { measuredAt, machine, coldStartsPerFunction, limits, awsFigures, awsSource, notMeasured, functions } = file;
  return { measuredAt, machine, coldStartsPerFunction, limits, awsFigures, awsSource, notMeasured, functions };
}

/** Measured hold-outs checked against a model, as holdout-check.json holds them (calibrate and the bench alike). */
export function holdoutCheck(measured: HoldoutMeasurements, targets: readonly TargetFile[], aws: readonly AwsInitFigure[], model: FittedModel): HoldoutCheckFile {
  const rows = checkHoldouts(measured.functions, targets, aws, model);
  return { ...measured, model: model.table, rows, summary: summariseHoldouts(rows) };
}

export function summariseHoldouts(rows: readonly HoldoutCheckRow[]): HoldoutSummary {
  const memories = rows.flatMap((r) => (r.memory ? [r.memory] : []));
  const abs = rows.map((r) => Math.abs(r.errorPct));
  return {
    cells: rows.length,
    withinBound: rows.filter((r) => r.withinBound).length,
    insideInterval: rows.filter((r) => r.insideInterval).length,
    medianAbsErrorPct: abs.length === 0 ? null : round1(median(abs)),
    maxAbsErrorPct: abs.length === 0 ? null : Math.max(...abs),
    boundPct: HOLDOUT_ERROR_BOUND_PCT,
    runtimes: [...new Set(rows.map((r) => r.runtime))].sort(),
    misses: rows
      .filter((r) => !r.withinBound || !r.insideInterval)
      .map((r) => ({ runtime: r.runtime, packageType: r.packageType, architecture: r.architecture, errorPct: r.errorPct, insideInterval: r.insideInterval })),
    memory: {
      cells: memories.length,
      withinBound: memories.filter((m) => Math.abs(m.errorPct) <= HOLDOUT_ERROR_BOUND_PCT).length,
      insideInterval: memories.filter((m) => m.insideInterval).length,
      maxAbsErrorPct: memories.length === 0 ? null : Math.max(...memories.map((m) => Math.abs(m.errorPct))),
    },
    byValidation: Object.fromEntries(
      (['leave-one-family-out', 'leave-one-version-out'] as const)
        .map((kind) => [kind, rows.filter((r) => r.predicted.validation === kind)] as const)
        .filter(([, of]) => of.length > 0)
        .map(([kind, of]) => [kind, { cells: of.length, withinBound: of.filter((r) => r.withinBound).length, insideInterval: of.filter((r) => r.insideInterval).length }]),
    ),
  };
}

export function renderHoldoutCheckFile(file: HoldoutCheckFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function readHoldoutCheckFile(file: string): HoldoutCheckFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new HoldoutError(`cannot read the hold-out check ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (npm run calibrate measures and writes it)`);
  }
  try {
    const parsed = JSON.parse(text) as HoldoutCheckFile;
    if (!Array.isArray(parsed.functions) || !Array.isArray(parsed.rows)) throw new Error('no "functions" or "rows" array');
    return parsed;
  } catch (error) {
    throw new HoldoutError(`the hold-out check ${file} is not what npm run calibrate writes: ${(error as Error).message}`);
  }
}

/** The console table: one line per hold-out and cell, then the count against the bound and the intervals. */
export function renderHoldoutCheck(rows: readonly HoldoutCheckRow[], notMeasured: readonly string[] = []): string {
  const lines: string[] = [];
  lines.push(
    'Hold-outs: runtimes outside the calibration set, never fitted, predicted as a function of that runtime is (family-out interval; version-out for a new version of a family the model knows)',
  );
  const w = Math.max(22, ...rows.map((r) => r.runtime.length));
  lines.push(`  ${'runtime'.padEnd(w)} ${'cell'.padEnd(12)} ${'local'.padStart(8)} ${'predicted (interval)'.padStart(26)} ${'AWS p50'.padStart(9)} ${'error'.padStart(8)}  inside`);
  for (const r of rows) {
    const interval = `${r.predicted.p50Ms.toFixed(1)} (${r.predicted.low.toFixed(1)}–${Number.isFinite(r.predicted.high) ? r.predicted.high.toFixed(1) : '∞'})`;
    const sign = r.errorPct >= 0 ? '+' : '';
    lines.push(
      `  ${r.runtime.padEnd(w)} ${`${r.packageType} ${r.architecture}`.padEnd(12)} ${`${r.local.initP50Ms.toFixed(1)}`.padStart(8)} ${interval.padStart(26)} ${r.aws.initP50Ms.toFixed(1).padStart(9)} ${`${sign}${r.errorPct.toFixed(1)} %`.padStart(8)}  ${r.insideInterval ? 'yes' : 'no'}${r.withinBound ? '' : `  (beyond ±${HOLDOUT_ERROR_BOUND_PCT} %)`}${r.predicted.validation === 'leave-one-version-out' ? '  (version out)' : ''}`,
    );
  }
  const s = summariseHoldouts(rows);
  if (s.cells > 0) {
    lines.push(
      `  within ±${HOLDOUT_ERROR_BOUND_PCT} % of AWS: ${s.withinBound} of ${s.cells}; AWS inside the printed interval: ${s.insideInterval} of ${s.cells}; |error| median ${s.medianAbsErrorPct} %, max ${s.maxAbsErrorPct} %`,
    );
    const apart = byValidationSentence(s);
    if (apart) lines.push(`  ${apart}`);
    if (s.memory && s.memory.cells > 0) {
      lines.push(
        `  Max Memory Used: within ±${HOLDOUT_ERROR_BOUND_PCT} % of AWS in ${s.memory.withinBound} of ${s.memory.cells} cells, inside the interval in ${s.memory.insideInterval} of ${s.memory.cells}; |error| max ${s.memory.maxAbsErrorPct} %`,
      );
    }
  } else {
    lines.push('  none measured');
  }
  for (const m of notMeasured) lines.push(`  not measured: ${m}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The hold-outs' measurements as calibration rows (their lambda-perf figures beside them, source
 * HOLDOUT_SOURCE): what `calibrate --fit-holdouts` fits beside the table to show what the model would be if
 * they joined the calibration set, which would spend the test they give. Never written to the table.
 */
export function holdoutRowsAsCalibration(functions: readonly FunctionMeasurement[], targets: readonly TargetFile[], aws: readonly AwsInitFigure[]): CalibrationRow[] {
  const asCalibration = targets.map((t) => (t.holdOut ? { ...t, calibration: { lambdaPerfRuntime: t.holdOut.lambdaPerfRuntime } } : t));
  return calibrationRows({ functions: [...functions] }, asCalibration, aws, HOLDOUT_SOURCE);
}
