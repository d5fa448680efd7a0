/**
 * The bench's own calibration: the calibration functions (calibration/, the same hello worlds `npm run
 * calibrate` measures) measured in the same run as the targets, on the same local service, under the same
 * limits and the same load, their rounds spread between the targets' cold starts; the AWS predictions of
 * the run then come from a model fitted on them.
 *
 * Why: a local Init Duration moves with the machine and its load (Rust left out of a quiet calibration:
 * −3.5 %; with one core kept busy: +41.5 %; on another machine: −26 to −32 %, lib/calibration/README.md),
 * and a committed model comes from one machine at one load. Measured beside the targets, the calibration
 * functions see what the targets see.
 *
 * The committed model (data/calibration/fitted-model.json) is the fallback: when the user asks for it
 * (`--calibration committed`), when a calibration function is not built here, or when one fails to start
 * or to answer in the run (the run goes on; the report says which model was used and why).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { defaultAwsFiguresPath, readAwsFigures } from '../calibration/aws-figures';
import { calibrationRows, calibrationTargetFiles, MODEL_FILE, renderMeasurements, TABLE_FILE, type MeasurementsFile } from '../calibration/calibrate';
import { CalibrationSampler, DroppableSamplers, type SamplerService } from '../calibration/measure';
import {
  builtHoldoutTargets,
  defaultHoldoutFiguresPath,
  HOLDOUT_CHECK_FILE,
  HOLDOUT_SOURCE,
  holdoutAwsFiguresLabel,
  holdoutCheck,
  readHoldoutAwsFigures,
  renderHoldoutCheckFile,
} from '../calibration/holdout';
import { renderCalibrationTable, runtimeFamily } from '../calibration/table';
import { fitModel, renderFittedModel } from '../prediction/fit';
import { intervalFloorOf } from '../prediction/interval-floor';
import { calibrationMachineOf, loadFittedModel, MEASUREMENTS_FILE, type FittedModel, type HoldoutSummary, type IntervalFloor } from '../prediction';
import { missingTargetFileParts } from '../targets/local-targets';
import { readTargetFile, type TargetFile } from '../targets/target-file';
import type { PredictionModelSource } from '../benchmark/types';
import { cpuModel, loadAverage1m } from '../util/machine';
import * as os from 'node:os';
import { createHash } from 'node:crypto';

export type CalibrationChoice = PredictionModelSource['kind'];

/** Cold starts of each calibration function in a run: enough for a stable p50, few enough to keep the run short. */
export const IN_RUN_COLD_STARTS = 10;

/** Where the run's own calibration is written, inside the results directory. */
export const RUN_CALIBRATION_DIR = 'calibration';

/** Which model predicted a run's AWS figures, and why that one (results.json: predictionModel.source). */
export type ModelSource = PredictionModelSource;

export type InRunPlan =
  | {
      kind: 'in-run';
      targets: TargetFile[];
      rounds: number;
      leftOut: string[];
      /** The hold-outs built here (holdout/): measured beside the calibration functions, checked against the run's model, never fitted on. */
      holdouts: TargetFile[];
      holdoutsLeftOut: string[];
    }
  | { kind: 'committed'; why: string };

/** Families an in-run calibration needs at least: with fewer, leaving one out to check the intervals says little. */
export const MIN_IN_RUN_FAMILIES = 4;

/**
 * Whether this run can calibrate itself, and on which functions: every calibration function that is built
 * here (one that is not is left out and named: scripts/setup-calibration.sh builds them), as long as the
 * Rust hello world is among them (the .apr function's prediction leans on it) and at least
 * MIN_IN_RUN_FAMILIES families remain; else the committed model, with the reason.
 */
export function planInRunCalibration(projectRoot: string, choice: CalibrationChoice, rounds = IN_RUN_COLD_STARTS): InRunPlan {
  if (choice === 'committed') return { kind: 'committed', why: 'asked for with --calibration committed' };
  // Each calibration function on its own: one that is not built (its command or package missing, which the
  // target file's own checks find) is left out and named; the others still calibrate the run.
  let files: string[];
  try {
    files = calibrationTargetFiles(projectRoot);
  } catch (error) {
    return { kind: 'committed', why: `the calibration functions could not be listed: ${(error as Error).message}` };
  }
  const leftOut: string[] = [];
  const targets: TargetFile[] = [];
  for (const file of files) {
    let target: TargetFile;
    try {
      target = readTargetFile(file);
    } catch (error) {
      leftOut.push(`${path.relative(projectRoot, file)} (not built here: ${(error as Error).message})`);
      continue;
    }
    if (!target.calibration) {
      leftOut.push(`${path.relative(projectRoot, file)} (its target file names no lambda-perf runtime)`);
      continue;
    }
    const missing = missingTargetFileParts(target);
    if (missing) {
      leftOut.push(`${target.definition.functionName} (not built here: ${missing})`);
      continue;
    }
    targets.push(target);
  }
  const families = new Set(targets.map((t) => runtimeFamily(t.calibration!.lambdaPerfRuntime)));
  const how = '`bash scripts/setup-calibration.sh` builds them';
  if (!targets.some((t) => runtimeFamily(t.calibration!.lambdaPerfRuntime) === 'rust')) {
    // Name the function and what it lacks, so the user sees which file and which part to build.
    const rust = leftOut.filter((l) => /rust/i.test(l));
    return { kind: 'committed', why: `the Rust calibration function is not built here (${rust.length ? `${rust.join('; ')}; ` : 'no calibration target file names a Rust runtime; '}${how})` };
  }
  if (families.size < MIN_IN_RUN_FAMILIES) {
    return { kind: 'committed', why: `only ${families.size} calibration families are built here (${[...families].join(', ')}), fewer than ${MIN_IN_RUN_FAMILIES} (${how})` };
  }
  try {
    readAwsFigures(defaultAwsFiguresPath(projectRoot));
  } catch (error) {
    return { kind: 'committed', why: (error as Error).message };
  }
  // The hold-outs built here go with it; a broken hold-out description costs only the check, never the calibration.
  let holdouts: { built: TargetFile[]; missing: string[] };
  try {
    holdouts = builtHoldoutTargets(projectRoot);
  } catch (error) {
    holdouts = { built: [], missing: [(error as Error).message] };
  }
  return { kind: 'in-run', targets, rounds, leftOut, holdouts: holdouts.built, holdoutsLeftOut: holdouts.missing };
}

export interface InRunCalibrationOptions {
  projectRoot: string;
  targets: readonly TargetFile[];
  rounds: number;
  /** Calibration functions left out of this run's calibration, each with why (not built here). */
  leftOut?: readonly string[];
  /** How many forced cold starts of the benchmark's targets the run is expected to make: the rounds are spread over them. */
  expectedTargetColdStarts: number;
  service: SamplerService & { limits: { applied: boolean; reason?: string } };
  lambda: LambdaClient;
  limitsMode: MeasurementsFile['limits']['mode'];
  /** Told of a failed calibration (the run goes on with the committed model). */
  onFallback?: (why: string) => void;
  /**
   * Hold-outs measured in the same rounds and checked against the model the run fits. One that fails does
   * not stop the calibration: the check is then reported unavailable, with why.
   */
  holdouts?: readonly TargetFile[];
  holdoutsLeftOut?: readonly string[];
}

/** The outcome: a model fitted in the run (with the files to keep beside the results), or why not. */
export type InRunOutcome =
  | { kind: 'in-run'; model: FittedModel; source: ModelSource; files: { name: string; body: string }[]; holdoutCheck?: HoldoutSummary | { unavailable: string } }
  | { kind: 'committed'; source: ModelSource };

export class InRunCalibration {
  private readonly sampler: CalibrationSampler;
  /** The hold-outs: one that fails is dropped alone (named in the check's notMeasured and the report). */
  private readonly holdouts: DroppableSamplers;
  private targetColdStarts = 0;
  private failed: string | undefined;
  private measuringMs = 0;
  private holdoutMs = 0;
  private readonly loadBefore = loadAverage1m();

  constructor(private readonly options: InRunCalibrationOptions) {
    this.sampler = new CalibrationSampler(options.targets, options.service, options.lambda);
    this.holdouts = new DroppableSamplers(options.holdouts ?? [], options.service, options.lambda);
  }

  /** The bench's beforeTask hook: before a target's forced cold start, a calibration round when one is due. */
  async beforeTask(handler: string): Promise<void> {
    if (handler !== 'forceColdStart' || this.failed) return;
    this.targetColdStarts++;
    const due = Math.floor((this.targetColdStarts * this.options.rounds) / Math.max(1, this.options.expectedTargetColdStarts));
    if (this.sampler.rounds < Math.min(due, this.options.rounds)) await this.round();
  }

  private async round(): Promise<void> {
    const started = Date.now();
    try {
      await this.sampler.round();
    } catch (error) {
      this.failed = `a calibration function failed in this run: ${(error as Error).message.split('\n')[0]}`;
      this.options.onFallback?.(this.failed);
    }
    // The hold-outs take their turn after the calibration functions; one that fails costs only its own check.
    if (!this.failed && this.holdouts.names.length > 0) {
      const holdoutStarted = Date.now();
      await this.holdouts.round();
      this.holdoutMs += Date.now() - holdoutStarted;
    }
    // The run's time spent measuring counts both.
    this.measuringMs += Date.now() - started;
  }

  /** The rounds still due, then the fit; a failure gives the committed model with the reason. */
  async finish(): Promise<InRunOutcome> {
    while (!this.failed && this.sampler.rounds < this.options.rounds) await this.round();
    const base = {
      coldStartsPerFunction: this.sampler.rounds,
      functions: this.options.targets.map((t) => t.definition.functionName),
      measuringSeconds: Math.round(this.measuringMs / 100) / 10,
      ...((this.options.holdouts ?? []).length > 0
        ? { holdoutSeconds: Math.round(this.holdoutMs / 100) / 10, holdouts: (this.options.holdouts ?? []).map((t) => t.definition.functionName) }
        : {}),
    };
    if (this.failed) return { kind: 'committed', source: { kind: 'committed', why: this.failed, ...base } };
    try {
      const functions = this.sampler.summary();
      const aws = readAwsFigures(defaultAwsFiguresPath(this.options.projectRoot));
      const rows = calibrationRows({ functions }, this.options.targets, aws);
      const table = renderCalibrationTable(rows);
      const model = fitModel(rows, { path: `${RUN_CALIBRATION_DIR}/${TABLE_FILE}`, sha256: createHash('sha256').update(table).digest('hex') });
      const limits = this.options.service.limits;
      const measurements: MeasurementsFile = {
        measuredAt: new Date().toISOString(),
        machine: { cpuModel: cpuModel(), cpus: os.cpus().length, loadAverage1mBefore: this.loadBefore, loadAverage1mAfter: loadAverage1m() },
        coldStartsPerFunction: this.sampler.rounds,
        limits: { mode: this.options.limitsMode, applied: limits.applied, ...(!limits.applied && limits.reason ? { reason: limits.reason } : {}) },
        awsFigures: path.basename(defaultAwsFiguresPath(this.options.projectRoot)),
        functions,
      };
      const calibratedOn = calibrationMachineOf(measurements);
      // What predicts: the run's fit, with the machine it saw and the committed half-widths under its own
      // (interval-floor.ts); the run's fitted-model.json stays the fit of its table alone.
      const floor = this.committedIntervalFloor();
      const predicting: FittedModel = { ...model, ...(calibratedOn ? { calibratedOn } : {}), ...('floor' in floor ? { intervalFloor: floor.floor } : {}) };
      const holdout = this.checkHoldouts(predicting, measurements);
      return {
        kind: 'in-run',
        ...(holdout ? { holdoutCheck: holdout.summary } : {}),
        model: predicting,
        source: {
          kind: 'in-run',
          why:
            'calibrated in this run: the calibration functions measured beside the targets, under the same limits and load' +
            (this.options.leftOut?.length ? `; left out: ${this.options.leftOut.join('; ')}` : '') +
            ('unavailable' in floor ? `; its intervals have no floor from the committed model (${floor.unavailable})` : '') +
            (Object.keys(this.sampler.lostInits()).length ? `; cold starts forced again after losing their Init Duration: ${Object.entries(this.sampler.lostInits()).map(([f, n]) => `${f} ${n}`).join(', ')}` : ''),
          ...base,
        },
        files: [
          { name: TABLE_FILE, body: table },
          { name: MODEL_FILE, body: renderFittedModel(model) },
          { name: MEASUREMENTS_FILE, body: renderMeasurements(measurements) },
          ...(holdout?.body ? [{ name: HOLDOUT_CHECK_FILE, body: holdout.body }] : []),
        ],
      };
    } catch (error) {
      const why = `the calibration measured in this run could not be fitted: ${(error as Error).message}`;
      this.options.onFallback?.(why);
      return { kind: 'committed', source: { kind: 'committed', why, ...base } };
    }
  }

  /** The committed model's family-out half-widths, the floor under the run's own; why not, when it cannot be read. */
  private committedIntervalFloor(): { floor: IntervalFloor } | { unavailable: string } {
    try {
      return { floor: intervalFloorOf(loadFittedModel(path.join(this.options.projectRoot, 'data', 'calibration', MODEL_FILE))) };
    } catch (error) {
      return { unavailable: (error as Error).message };
    }
  }

  /**
   * The hold-outs measured in this run, checked against the model it fitted: the summary for the report and
   * the file kept beside the run's calibration; unavailable (with why) when a hold-out failed or the check
   * could not be made; none when there are no hold-outs.
   */
  private checkHoldouts(model: FittedModel, measurements: MeasurementsFile): { summary: HoldoutSummary | { unavailable: string }; body?: string } | undefined {
    if ((this.options.holdouts ?? []).length === 0) return undefined;
    const failed = this.holdouts.dropped;
    if (this.holdouts.names.length === 0) {
      return { summary: { unavailable: failed.length > 0 ? `every hold-out failed in this run: ${failed.join('; ')}` : 'no hold-out was measured in this run' } };
    }
    try {
      const figures = defaultHoldoutFiguresPath(this.options.projectRoot);
      const summaryCsv = defaultAwsFiguresPath(this.options.projectRoot);
      const check = holdoutCheck(
        {
          measuredAt: measurements.measuredAt,
          machine: { cpuModel: measurements.machine.cpuModel, cpus: measurements.machine.cpus },
          coldStartsPerFunction: this.holdouts.rounds,
          limits: measurements.limits,
          awsFigures: holdoutAwsFiguresLabel(figures, summaryCsv),
          awsSource: HOLDOUT_SOURCE,
          notMeasured: [...(this.options.holdoutsLeftOut ?? []), ...failed],
          functions: this.holdouts.summary(),
        },
        (this.options.holdouts ?? []).filter((t) => this.holdouts.names.includes(t.definition.functionName)),
        readHoldoutAwsFigures(figures, summaryCsv),
        model,
      );
      // The report names a hold-out that failed: its cells are missing from the counts.
      const summary = failed.length > 0 ? { ...check.summary, failed } : check.summary;
      return { summary, body: renderHoldoutCheckFile(check) };
    } catch (error) {
      return { summary: { unavailable: `the hold-outs measured in this run could not be checked: ${(error as Error).message}` } };
    }
  }
}

/** Writes the run's calibration files under DIR/calibration/ (the results directory before it is committed). */
export function writeRunCalibration(resultsDir: string, files: readonly { name: string; body: string }[]): void {
  const dir = path.join(resultsDir, RUN_CALIBRATION_DIR);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.body);
}
