/**
 * `npm run calibrate`: measure every calibration function locally, set the figures beside lambda-perf's
 * AWS ones (data/calibration/calibration-table.csv), fit the model (data/calibration/fitted-model.json),
 * and print how well it does. `--refit` does the last two steps from the committed table alone.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fitModel, renderFittedModel } from '../prediction/fit';
import { applyLine, effectiveLocal } from '../prediction/predict';
import type { FittedModel } from '../prediction/types';
import { MEASUREMENTS_FILE } from '../prediction';
import { writeFileAtomic } from '../util/atomic-write';
import { cpuModel } from '../util/machine';
import { readTargetFile, targetFilesUnder, type TargetFile } from '../targets/target-file';
import { type AwsInitFigure, awsFigureOrUndefined, LAMBDA_PERF_SOURCE } from './aws-figures';
import type { MeasurementRun } from './measure';
import { type CalibrationRow, parseCalibrationTable, renderCalibrationTable, runtimeFamily } from './table';

export const TABLE_FILE = 'calibration-table.csv';
export const MODEL_FILE = 'fitted-model.json';
export { MEASUREMENTS_FILE };

/** lambda-perf's memory size whose rows the table uses: the calibration functions' own (Init Duration does not depend on it). */
export const AWS_MEMORY_MB = 128;

export class CalibrationError extends Error {}

/** Every calibration target file: calibration/<function>/target*.json, in name order. */
export function calibrationTargetFiles(projectRoot: string): string[] {
  return targetFilesUnder(path.join(projectRoot, 'calibration'));
}

export function readCalibrationTargets(projectRoot: string): TargetFile[] {
  return calibrationTargetFiles(projectRoot).map((f) => {
    const t = readTargetFile(f);
    if (!t.calibration) throw new CalibrationError(`${f} has no "calibration" block naming its lambda-perf runtime`);
    return t;
  });
}

/**
 * Table rows: each measured function beside its runtime's AWS figures, in every cell (Zip and Image,
 * x86_64 and arm64) that lambda-perf has at the calibration memory size. A runtime with no such row at all
 * is refused, naming it.
 */
export function calibrationRows(run: Pick<MeasurementRun, 'functions'>, targets: readonly TargetFile[], aws: readonly AwsInitFigure[], source = LAMBDA_PERF_SOURCE): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  for (const m of run.functions) {
    const target = targets.find((t) => t.definition.functionName === m.functionName);
    const runtime = target?.calibration?.lambdaPerfRuntime;
    if (!runtime) throw new CalibrationError(`${m.functionName}: no lambda-perf runtime named in its target file`);
    let cells = 0;
    for (const packageType of ['Zip', 'Image'] as const) {
      for (const architecture of ['x86_64', 'arm64'] as const) {
        const f = awsFigureOrUndefined(aws, { runtime, packageType, architecture, memoryMB: AWS_MEMORY_MB });
        if (!f) continue;
        cells++;
        rows.push({
          calibrationFunction: m.functionName,
          runtime,
          family: runtimeFamily(runtime),
          source,
          localN: m.initDurationsMs.length,
          localInitP50Ms: round3(m.initP50Ms),
          localInitP90Ms: round3(m.initP90Ms),
          localInitFileMB: round3(m.initFileMBP50),
          localPackageFileMB: Math.min(round3(m.initPackageFileMBP50), round3(m.initFileMBP50)),
          localMaxMemoryMB: round3(m.maxMemoryUsedMBP50),
          // The zip Lambda receives, as the target file gives it (packagePath or packageBytes).
          packageZipMB: round3((m.packageBytes ?? 0) / 1048576),
          packageType,
          architecture,
          awsMemoryMB: f.memoryMB,
          awsN: f.n,
          awsInitP50Ms: f.initP50Ms,
          awsInitP90Ms: f.initP90Ms,
          awsMaxMemoryMB: f.maxMemoryUsedMBMean,
        });
      }
    }
    if (cells === 0) {
      const known = [...new Set(aws.map((f) => f.runtime))].join(', ');
      throw new CalibrationError(`${m.functionName}: lambda-perf's figures have no ${runtime} row at ${AWS_MEMORY_MB} MB (runtimes: ${known})`);
    }
  }
  return rows;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The calibration table of a data directory, as text; a missing one is named with what writes it. */
export function readTableText(dataDir: string): string {
  const tablePath = path.join(dataDir, TABLE_FILE);
  try {
    return fs.readFileSync(tablePath, 'utf8');
  } catch (error) {
    throw new CalibrationError(`cannot read the calibration table ${tablePath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (npm run calibrate measures and writes it)`);
  }
}

/**
 * Fits the model on a table's text as it is (or will be) stored at dataDir/calibration-table.csv, without
 * writing anything: the model records the table's path (relative to the project) and hash, so the same
 * text gives the same model, to the byte.
 */
export function fitTableText(projectRoot: string, dataDir: string, text: string): { rows: CalibrationRow[]; model: FittedModel } {
  const tablePath = path.join(dataDir, TABLE_FILE);
  const rows = parseCalibrationTable(text, tablePath);
  const model = fitModel(rows, {
    path: path.relative(projectRoot, tablePath).split(path.sep).join('/'),
    sha256: createHash('sha256').update(text).digest('hex'),
  });
  return { rows, model };
}

/** Fits the model on a table file and writes it beside the table (whole or not at all). */
export function refitFromTable(projectRoot: string, dataDir: string): { rows: CalibrationRow[]; model: FittedModel } {
  const { rows, model } = fitTableText(projectRoot, dataDir, readTableText(dataDir));
  writeFileAtomic(path.join(dataDir, MODEL_FILE), renderFittedModel(model));
  return { rows, model };
}

export interface MeasurementsFile {
  measuredAt: string;
  machine: { cpuModel: string; cpus: number; loadAverage1mBefore: number; loadAverage1mAfter: number };
  coldStartsPerFunction: number;
  limits: MeasurementRun['limits'];
  awsFigures: string;
  functions: MeasurementRun['functions'];
}

/** The stored form of local-measurements.json: two-space JSON with a final newline. */
export function renderMeasurements(file: MeasurementsFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Writes the raw local measurements and the table. */
export function writeMeasurements(dataDir: string, file: MeasurementsFile, rows: readonly CalibrationRow[]): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, MEASUREMENTS_FILE), renderMeasurements(file));
  fs.writeFileSync(path.join(dataDir, TABLE_FILE), renderCalibrationTable(rows));
}

export function machineSummary(): { cpuModel: string; cpus: number } {
  // The same readings as the benchmark's environment manifest (cpu, logicalCpus), which the report compares with these.
  return { cpuModel: cpuModel(), cpus: os.cpus().length };
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

/**
 * The table `npm run calibrate` prints: per cell, the form kept (and every form tried with its family-out
 * error), then per runtime local p50, file MB (of which the package's), AWS p50, fitted p50, the
 * leave-one-version-out and leave-one-family-out errors; the interval level, and how often AWS fell inside
 * the family-out interval when each family was left out; then the Max Memory Used model.
 */
export function renderSummary(rows: readonly CalibrationRow[], model: FittedModel): string {
  const lines: string[] = [];
  // As wide as the longest runtime label: an AWS run's point is '<target> (aws-run <execution>)'.
  const w = Math.max(22, ...rows.map((r) => r.runtime.length));
  for (const cell of model.cells) {
    const k =
      cell.form === 'one-k'
        ? `${cell.kRuntime.toFixed(2)} × file MB`
        : cell.form === 'split-k'
          ? `${cell.kRuntime.toFixed(2)} × runtime MB + ${cell.kPackage.toFixed(2)} × package MB`
          : `${cell.kRuntime.toFixed(2)} × file MB + ${cell.kZip.toFixed(2)} × zip MB`;
    lines.push(`${cell.packageType} ${cell.architecture}: ln(AWS) = ${cell.p50.intercept.toFixed(3)} + ${cell.p50.slope.toFixed(3)} × ln(local + ${k})  (p50, form ${cell.form})`);
    for (const f of cell.formsTried) {
      lines.push(`  form ${f.form}: k ${f.kRuntime}/${f.kPackage}/${f.kZip} ms per MB (runtime/package/zip); LOFO |error| median ${f.lofoMedianAbsErrorPct} %, max ${f.lofoMaxAbsErrorPct} %; LORO max ${f.looMaxAbsErrorPct} %${f.form === cell.form ? '  (kept)' : ''}`);
    }
    lines.push(
      `  ${pad('runtime', w)} ${pad('local p50', 10, true)} ${pad('file MB', 8, true)} ${pad('pkg MB', 7, true)} ${pad('AWS p50', 9, true)} ${pad('fitted', 8, true)} ${pad('LORO err', 9, true)} ${pad('LOFO err', 9, true)}`,
    );
    for (const r of rows.filter((x) => x.packageType === cell.packageType && x.architecture === cell.architecture)) {
      const loro = cell.leaveOneOut.find((l) => l.runtime === r.runtime)!;
      const lofo = cell.leaveOneFamilyOut.find((l) => l.runtime === r.runtime)!;
      const fitted = applyLine(cell.p50, effectiveLocal(cell, r.localInitP50Ms, r.localInitFileMB, r.localPackageFileMB, r.packageType === 'Zip' ? r.packageZipMB : 0));
      lines.push(
        `  ${pad(r.runtime, w)} ${pad(`${r.localInitP50Ms.toFixed(1)} ms`, 10, true)} ${pad(r.localInitFileMB.toFixed(1), 8, true)} ${pad(r.localPackageFileMB.toFixed(1), 7, true)} ${pad(`${r.awsInitP50Ms.toFixed(1)} ms`, 9, true)} ${pad(fitted.toFixed(1), 8, true)} ${pad(signed(loro.errorPct), 9, true)} ${pad(signed(lofo.errorPct), 9, true)}`,
      );
    }
    const width = (q: number | null) => (q === null ? 'none (too few runtimes)' : `×/÷ ${Math.exp(q).toFixed(2)}`);
    const cov = cell.familyOutCoverage;
    lines.push(`  LORO |error|: median ${cell.looMedianAbsErrorPct} %, max ${cell.looMaxAbsErrorPct} %; LOFO |error|: median ${cell.lofoMedianAbsErrorPct} %, max ${cell.lofoMaxAbsErrorPct} %`);
    lines.push(
      `  intervals: a calibration hello world ${Math.round(cell.versionOutLevel * 100)} % ${width(cell.versionOutLogQuantile)}; anything else ${Math.round(cell.familyOutLevel * 100)} % ${width(cell.familyOutLogQuantile)} ` +
        `(${cell.families.length} families; the level F families allow is F / (F + 1))`,
    );
    lines.push(
      `  checked with each family left out of the fit and of its interval (${Math.round(cov.level * 100)} % from the other families): AWS inside for ${cov.inside} of ${cov.total} runtimes` +
        `${cov.total ? ` (${Math.round((cov.inside / cov.total) * 100)} %)` : ''}, ${cov.familiesInside} of ${cov.families} families`,
    );
    lines.push('');
  }
  for (const m of model.memoryCells) {
    lines.push(`Max Memory Used, ${m.packageType} ${m.architecture}: AWS = ${m.line.intercept.toFixed(1)} + ${m.line.slope.toFixed(3)} × local (MB)`);
    for (const r of m.leaveOneFamilyOut) {
      const loro = m.leaveOneOut.find((x) => x.runtime === r.runtime)!;
      const local = rows.find((x) => x.runtime === r.runtime)?.localMaxMemoryMB ?? 0;
      lines.push(`  ${pad(r.runtime, w)} local ${pad(local.toFixed(1), 6, true)} MB  AWS ${pad(r.awsP50Ms.toFixed(1), 6, true)} MB  LORO ${pad(signed(loro.errorPct), 9, true)}  LOFO ${pad(signed(r.errorPct), 9, true)}`);
    }
    lines.push(
      `  LOFO |error| median ${m.lofoMedianAbsErrorPct} %, max ${m.lofoMaxAbsErrorPct} %; ${Math.round(m.familyOutLevel * 100)} % interval ×/÷ ${m.familyOutLogQuantile === null ? '?' : Math.exp(m.familyOutLogQuantile).toFixed(2)}; ` +
        `each family left out: AWS inside for ${m.familyOutCoverage.inside} of ${m.familyOutCoverage.total} runtimes, ${m.familyOutCoverage.familiesInside} of ${m.familyOutCoverage.families} families`,
    );
    lines.push('');
  }
  lines.push(`calibration points' sources: ${model.sources.join('; ')}`);
  return lines.join('\n');
}
