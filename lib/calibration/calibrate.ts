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
import { cpuModel } from '../local-bench/environment-manifest';
import { readTargetFile, type TargetFile } from '../targets/target-file';
import { type AwsInitFigure, findAwsFigure } from './aws-figures';
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
  const dir = path.join(projectRoot, 'calibration');
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(dir, entry.name)).sort()) {
      if (/^target.*\.json$/.test(f)) out.push(path.join(dir, entry.name, f));
    }
  }
  return out;
}

export function readCalibrationTargets(projectRoot: string): TargetFile[] {
  return calibrationTargetFiles(projectRoot).map((f) => {
    const t = readTargetFile(f);
    if (!t.calibration) throw new CalibrationError(`${f} has no "calibration" block naming its lambda-perf runtime`);
    return t;
  });
}

/** Table rows: each measured function beside its runtime's AWS figures, Zip and Image, x86_64 and arm64. */
export function calibrationRows(run: MeasurementRun, targets: readonly TargetFile[], aws: readonly AwsInitFigure[]): CalibrationRow[] {
  const rows: CalibrationRow[] = [];
  for (const m of run.functions) {
    const target = targets.find((t) => t.definition.functionName === m.functionName);
    const runtime = target?.calibration?.lambdaPerfRuntime;
    if (!runtime) throw new CalibrationError(`${m.functionName}: no lambda-perf runtime named in its target file`);
    for (const packageType of ['Zip', 'Image'] as const) {
      for (const architecture of ['x86_64', 'arm64'] as const) {
        const f = findAwsFigure(aws, { runtime, packageType, architecture, memoryMB: AWS_MEMORY_MB });
        rows.push({
          calibrationFunction: m.functionName,
          runtime,
          family: runtimeFamily(runtime),
          localN: m.initDurationsMs.length,
          localInitP50Ms: round3(m.initP50Ms),
          localInitP90Ms: round3(m.initP90Ms),
          localInitFileMB: round3(m.initFileMBP50),
          packageType,
          architecture,
          awsMemoryMB: f.memoryMB,
          awsN: f.n,
          awsInitP50Ms: f.initP50Ms,
          awsInitP90Ms: f.initP90Ms,
        });
      }
    }
  }
  return rows;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Fits the model on a table file; the model records the table's path (relative to the project) and hash. */
export function refitFromTable(projectRoot: string, dataDir: string): { rows: CalibrationRow[]; model: FittedModel } {
  const tablePath = path.join(dataDir, TABLE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(tablePath, 'utf8');
  } catch (error) {
    throw new CalibrationError(`cannot read the calibration table ${tablePath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (npm run calibrate measures and writes it)`);
  }
  const rows = parseCalibrationTable(text, tablePath);
  const model = fitModel(rows, {
    path: path.relative(projectRoot, tablePath).split(path.sep).join('/'),
    sha256: createHash('sha256').update(text).digest('hex'),
  });
  fs.writeFileSync(path.join(dataDir, MODEL_FILE), renderFittedModel(model));
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

/** Writes the raw local measurements and the table. */
export function writeMeasurements(dataDir: string, file: MeasurementsFile, rows: readonly CalibrationRow[]): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, MEASUREMENTS_FILE), `${JSON.stringify(file, null, 2)}\n`);
  fs.writeFileSync(path.join(dataDir, TABLE_FILE), renderCalibrationTable(rows));
}

export function machineSummary(): { cpuModel: string; cpus: number } {
  // The same readings as the benchmark's environment manifest (cpu, logicalCpus), which the report compares with these.
  return { cpuModel: cpuModel(), cpus: os.cpus().length };
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** The table `npm run calibrate` prints: per runtime and cell, local p50 and file MB, AWS p50, fitted p50, LORO and LOFO error. */
export function renderSummary(rows: readonly CalibrationRow[], model: FittedModel): string {
  const lines: string[] = [];
  for (const cell of model.cells) {
    lines.push(
      `${cell.packageType} ${cell.architecture}: ln(AWS) = ${cell.p50.intercept.toFixed(3)} + ${cell.p50.slope.toFixed(3)} × ln(local + ${cell.fileMsPerMB.toFixed(2)} × file MB)  (p50)`,
    );
    lines.push(
      `  ${pad('runtime', 20)} ${pad('local p50', 10, true)} ${pad('file MB', 8, true)} ${pad('AWS p50', 9, true)} ${pad('fitted', 8, true)} ${pad('LORO pred', 10, true)} ${pad('LORO err', 9, true)} ${pad('LOFO err', 9, true)}`,
    );
    for (const r of rows.filter((x) => x.packageType === cell.packageType && x.architecture === cell.architecture)) {
      const loro = cell.leaveOneOut.find((l) => l.runtime === r.runtime)!;
      const lofo = cell.leaveOneFamilyOut.find((l) => l.runtime === r.runtime)!;
      const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;
      const fitted = applyLine(cell.p50, effectiveLocal(cell, r.localInitP50Ms, r.localInitFileMB));
      lines.push(
        `  ${pad(r.runtime, 20)} ${pad(`${r.localInitP50Ms.toFixed(1)} ms`, 10, true)} ${pad(r.localInitFileMB.toFixed(1), 8, true)} ${pad(`${r.awsInitP50Ms.toFixed(1)} ms`, 9, true)} ${pad(fitted.toFixed(1), 8, true)} ${pad(`${loro.predictedP50Ms.toFixed(1)} ms`, 10, true)} ${pad(sign(loro.errorPct), 9, true)} ${pad(sign(lofo.errorPct), 9, true)}`,
      );
    }
    lines.push(`  LORO |error|: median ${cell.looMedianAbsErrorPct} %, max ${cell.looMaxAbsErrorPct} %; LOFO |error|: median ${cell.lofoMedianAbsErrorPct} %, max ${cell.lofoMaxAbsErrorPct} %`);
    lines.push('');
  }
  return lines.join('\n');
}
