import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { BenchmarkResults, JsonObject, Parity, PredictionModelSource, TargetSpec } from '../benchmark/types';
import { loadFittedModel, type FittedModel, type HoldoutSummary } from '../prediction';
import { InRunCalibration, planInRunCalibration, writeRunCalibration, type CalibrationChoice, type InRunOutcome } from './in-run-calibration';
import { REFERENCE_PAYLOAD } from '../benchmark/reference-payload';
import { initFileMBByRequest, initPackageFileMBByRequest, LocalLambdaService, type LimitsMode, type LocalFunctionDefinition } from '../local-lambda';
import { loadWineCsv } from '../model/wine-data';
import { buildParityPayloads, selectPayloads } from '../parity';
import { ladderParity } from './ladder-parity';
import { runStateMachineLocally, type LocalRunProgress, type LocalRunResult } from '../state-machine-local';
import { stopWithSignal } from '../state-machine-local/local-handlers';
import { synthesizeTemplateCached } from '../state-machine-local/synth-process';
import { checkTargetFiles, chooseRegistryTargets, registryLocalDefinition, targetFileSpec, zipOf } from '../targets/local-targets';
import { planConfigurations, type Configuration } from './configurations';
import { TARGETS } from '../targets/registry';
import type { TargetFile } from '../targets/target-file';
import { chooseColdStartConcurrency, type ColdStartConcurrencyChoice } from './cold-start-concurrency';
import { collectEnvironmentManifest, type AprBuildInfo } from './environment-manifest';
import { commitOutput, describeWriteFailure, discardOutput, OutputLocationError, prepareOutputLocation, type OutputPlan } from './output-location';
import { measurePytorchFootprint } from './package-size';
import { RunInterrupted, throwIfInterrupted } from './shutdown';
import type { ParitySet, TargetKey } from './targets';
import { planRunOfSpecs } from '../plan/from-specs';
import type { RunPlan } from '../plan/run-plan';

export { TARGET_KEYS, type TargetKey, type ParitySet } from './targets';
/**
 * Targets whose inits take seconds of CPU-bound work under their quota: only these may initialise
 * several environments per forced cold start (cold-start-concurrency.ts says why the .apr function may not).
 * In the registry these are the container images (the PyTorch function); the zip rungs' inits take
 * milliseconds to a few hundred, one per update.
 */
const BATCHED_COLD_STARTS: ReadonlySet<TargetKey> = new Set(TARGETS.filter((t) => t.packageType === 'Image').map((t) => t.key));

export interface LocalBenchOptions {
  projectRoot: string;
  /** Registry targets to measure; may be empty when `targetFiles` bring functions. */
  targets: TargetKey[];
  /**
   * false: `targets` is the default list, and a target that cannot run here is skipped (reason and build
   * command printed and recorded). true or absent: every target named must run here, or the run stops.
   */
  targetsChosen?: boolean;
  /** Memory sizes (MB): every target at each size that fits it; absent: each at its registry size. */
  memorySizes?: number[];
  /** Told how many configurations the run measures, once they are known (for progress). */
  onPlan?: (configurations: number) => void;
  /**
   * Functions brought in by target files (`--target-file`), already read and validated: measured and
   * predicted like the built-in targets, each sent its own payload, never part of the parity check.
   */
  targetFiles?: TargetFile[];
  coldStarts: number;
  warmInvocations: number;
  payload?: JsonObject;
  /** The results directory; it must not exist yet, or be empty. */
  outDir: string;
  /**
   * The output location, already checked and its staging directory made (prepareOutputLocation); when
   * absent, runLocalBench prepares `outDir` itself.
   */
  output?: OutputPlan;
  /**
   * Knobs of the local service the run starts: its init limit (Lambda's 10 s by default) and its
   * concurrency limit. Tests on a loaded machine raise both so that time they do not control cannot fail them.
   */
  service?: { initTimeoutMs?: number; maxConcurrency?: number };
  /** Registers a helper process group (footprint probe, synth), so a forced exit can kill it. */
  onGroup?: (pgid: number) => () => void;
  /** Awaited before each Task of the state machine (see LocalRunOptions.beforeTask). */
  beforeTask?: (handler: string) => Promise<void>;
  /**
   * Which model predicts AWS: 'in-run' (default) measures the calibration functions in this run, their
   * rounds spread between the targets' cold starts, and fits on them; 'committed' uses
   * data/calibration/fitted-model.json (also the fallback when a calibration function is not built or fails).
   */
  calibration?: CalibrationChoice;
  /** Cold starts of each calibration function in an in-run calibration (default IN_RUN_COLD_STARTS). */
  calibrationColdStarts?: number;
  /** Awaited when the run reaches a named point ('parity'); lets a test hold the run there. */
  atPoint?: (point: 'parity') => Promise<void>;
  limits: LimitsMode;
  parity: ParitySet;
  /**
   * Parity over a subset: the payloads that are not wines and the first N red wines (selectPayloads'
   * 'subset'), so that a short run in CI checks every target quickly. Absent: the whole `parity` set.
   */
  paritySubsetRedRows?: number;
  /**
   * Environments the PyTorch function initialises at once per forced cold start ('auto': what the CPU
   * quotas allow, see cold-start-concurrency.ts). The .apr function always has one per update.
   */
  coldStartConcurrency?: ColdStartConcurrencyChoice;
  onProgress?: (event: LocalRunProgress) => void;
  /** What the run is doing between measurements (building the template, parity, ...). */
  onStage?: (message: string) => void;
  /**
   * The run's plan (lib/plan, local profile), once its functions are settled and before the state
   * machine starts: the same plan Prepare records in run.json and report.md compares with the measured duration.
   */
  onRunPlan?: (plan: RunPlan) => void;
  signal?: AbortSignal;
}

export interface LocalBenchOutcome {
  status: LocalRunResult['status'];
  /** Where the files are; undefined when the run was aborted (nothing is kept then). */
  outDir?: string;
  /** The files and directories in outDir, as written. */
  files?: string[];
  results?: BenchmarkResults;
  error?: { error: string; cause: string };
}

const LOCAL_CLIENT = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/** A results directory is new or empty: a run never mixes its files with an earlier run's. */
export function checkOutDir(outDir: string): void {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new Error(`--out ${outDir} already holds files; choose a new directory (runs never overwrite earlier results)`);
  }
}

/** A write of the results that failed: the run's files are discarded, and the message says what, where and how much. */
export class OutputWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputWriteError';
  }
}

function targetSpec(definition: LocalFunctionDefinition, c: Configuration, packageBytes: number, packageLabel: string): TargetSpec {
  return {
    key: c.key,
    ...(c.key !== c.target ? { ladderTarget: c.target } : {}),
    functionName: definition.functionName,
    logGroupName: `/aws/lambda/${definition.functionName}`,
    runtimeLabel: definition.runtime,
    memorySizeMB: definition.memorySizeMB,
    architecture: 'x86_64',
    packageBytes,
    packageLabel,
    packageType: definition.packageType,
  };
}

/** The parity check over the functions' real processes, without CPU limits: it compares answers, it times nothing. */
async function measureParity(root: string, targets: readonly TargetKey[], set: Exclude<ParitySet, 'off'>, subsetRedRows: number | undefined, signal?: AbortSignal): Promise<Parity> {
  const service = await LocalLambdaService.start({ limits: 'off' });
  const lambda = stopWithSignal(new LambdaClient({ ...LOCAL_CLIENT, endpoint: service.endpoint, maxAttempts: 1 }), signal);
  try {
    for (const key of targets) service.register(registryLocalDefinition(key, root));
    const all = buildParityPayloads({
      red: loadWineCsv(path.join(root, 'data', 'wine', 'winequality-red.csv')),
      white: loadWineCsv(path.join(root, 'data', 'wine', 'winequality-white.csv')),
      referencePayload: REFERENCE_PAYLOAD,
    });
    const payloads = subsetRedRows !== undefined ? selectPayloads(all, 'subset', subsetRedRows) : selectPayloads(all, set);
    const parity = await ladderParity(lambda, targets, payloads, signal);
    throwIfInterrupted(signal);
    return parity;
  } catch (error) {
    throwIfInterrupted(signal);
    throw error;
  } finally {
    lambda.destroy();
    await service.stop();
  }
}

/**
 * `npm run bench`: the synthesized benchmark state machine, executed on this machine against the local
 * Lambda service, with the same handlers as on AWS. Results land in a staging directory beside `outDir`
 * and are synced and renamed to `outDir` when the run ends whole, so `outDir` either holds a whole run
 * or does not exist. Aborting `signal` stops every phase; the promise then resolves (status ABORTED)
 * only after every process the run started has exited and every directory it made is gone.
 */
export async function runLocalBench(options: LocalBenchOptions): Promise<LocalBenchOutcome> {
  const root = path.resolve(options.projectRoot);
  const stage = options.onStage ?? (() => undefined);
  const signal = options.signal;

  // Which registry targets run: named ones must be ready; of the default list, those that are not are skipped.
  const { ready: chosen, skipped: skippedTargets } = chooseRegistryTargets(options.targets, options.targetsChosen !== false, root);
  for (const s of skippedTargets) stage(`skipped ${s.key}: ${s.reason} (build it with \`${s.command}\`)`);
  const { configurations, skipped: skippedMemorySizes } = planConfigurations(chosen, options.memorySizes);
  for (const s of skippedMemorySizes) stage(`skipped ${s.target} at ${s.memorySizeMB} MB: ${s.reason}`);
  const definitions = configurations.map((c) => registryLocalDefinition(c.target, root, { functionName: c.key, memorySizeMB: c.memorySizeMB }));
  const targetFiles = options.targetFiles ?? [];
  checkTargetFiles(targetFiles);
  if (definitions.length + targetFiles.length === 0) throw new Error('no target to measure: name registry targets that can run here or give a target file');
  options.onPlan?.(definitions.length + targetFiles.length);
  const plan = options.output ?? (await prepareOutputLocation(options.outDir));
  let committed = false;
  let service: LocalLambdaService | undefined;
  // Started at once, in its own process: it overlaps with the parity check, and it is stopped when the
  // run stops or fails before needing it.
  const helpersStop = new AbortController();
  const forwardStop = () => helpersStop.abort(signal?.reason);
  signal?.addEventListener('abort', forwardStop, { once: true });
  const helperOptions = { signal: helpersStop.signal, ...(options.onGroup ? { onGroup: options.onGroup } : {}) };
  const synth = synthesizeTemplateCached({ repoRoot: root, ...helperOptions });
  synth.catch(() => undefined);
  // The PyTorch function's installed size: its probe imports torch, which takes seconds; it overlaps too.
  const pytorch = registryLocalDefinition('pytorch', root);
  const footprint = chosen.includes('pytorch') ? measurePytorchFootprint(pytorch.command, pytorch.cwd, helperOptions) : undefined;
  footprint?.catch(() => undefined);
  try {
    const buildInfoPath = path.join(root, 'lambda-apr', 'dist', 'build-info.json');
    const aprBuildInfo = existsSync(buildInfoPath) ? (JSON.parse(readFileSync(buildInfoPath, 'utf8')) as AprBuildInfo) : undefined;
    const specs: TargetSpec[] = [];
    configurations.forEach((c, i) => {
      const d = definitions[i];
      // A zip target's package is its zip, what Lambda receives; the image's is measured below.
      specs.push(targetSpec(d, c, d.codeSizeBytes ?? 0, d.codeSizeBytes !== undefined ? `${path.basename(zipLabel(c.target))}, what Lambda receives` : ''));
    });
    for (const tf of targetFiles) specs.push(targetFileSpec(tf));

    let parity: Parity | undefined;
    if (options.parity !== 'off' && chosen.includes('apr') && chosen.length >= 2) {
      stage(`parity check (${options.parity === 'all' ? 'red and white wines' : 'red wines'}, edge values, bad inputs)`);
      await options.atPoint?.('parity');
      throwIfInterrupted(signal);
      parity = await measureParity(root, chosen, options.parity, options.paritySubsetRedRows, signal);
    }
    throwIfInterrupted(signal);

    if (footprint) {
      stage('measuring the PyTorch function\'s installed size');
      const size = await footprint;
      for (const spec of specs.filter((sp) => (sp.ladderTarget ?? sp.key) === 'pytorch')) {
        spec.packageBytes = size.bytes;
        spec.packageLabel = size.label;
      }
    }
    stage('synthesizing the benchmark state machine');
    const { template } = await synth;
    throwIfInterrupted(signal);

    service = await LocalLambdaService.start({ limits: options.limits, ...options.service });
    for (const definition of [...definitions, ...targetFiles.map((tf) => tf.definition)]) service.register(definition);
    for (const spec of specs) {
      if (!BATCHED_COLD_STARTS.has((spec.ladderTarget ?? spec.key) as TargetKey)) continue;
      const decision = chooseColdStartConcurrency(options.coldStartConcurrency ?? 'auto', {
        limitsApplied: service.limits.applied,
        cpus: os.availableParallelism(),
        memorySizeMB: spec.memorySizeMB,
      });
      spec.coldStartConcurrency = decision.concurrency;
      if (decision.concurrency > 1) stage(`${spec.key}: ${decision.concurrency} cold starts per forced update (${decision.reason})`);
    }
    const environment = await collectEnvironmentManifest({
      aprBuildInfo,
      pytorchPython: chosen.includes('pytorch') ? pytorch.command : undefined,
      limitsApplied: service.limits.applied,
      limitsReason: service.limits.reason,
      ...(signal ? { signal } : {}),
    });
    // What was left out, and why: recorded beside the numbers, so a reader sees the ladder's gaps.
    if (skippedTargets.length > 0) environment.skippedTargets = skippedTargets.map((s) => ({ target: s.key, reason: s.reason, command: s.command }));
    if (options.memorySizes) environment.memorySizes = options.memorySizes;
    if (skippedMemorySizes.length > 0) environment.skippedMemorySizes = skippedMemorySizes.map((s) => ({ target: s.target, memorySizeMB: s.memorySizeMB, reason: s.reason }));
    throwIfInterrupted(signal);
    const calibration = startInRunCalibration(root, options, service, specs, stage);
    options.onRunPlan?.(planRunOfSpecs('local', { coldStarts: options.coldStarts, warmInvocations: options.warmInvocations }, specs, calibration.size));
    stage(`running on the local Lambda service (limits ${service.limits.applied ? 'applied' : 'not applied'})`);
    const running = service;
    let modelChoice: InRunOutcome | undefined;
    const beforeTask = async (handler: string) => {
      await options.beforeTask?.(handler);
      if (calibration.runner) {
        await calibration.runner.beforeTask(handler);
        // Aggregate predicts: the calibration's last rounds and its fit come first.
        if (handler === 'aggregate' && !modelChoice) {
          modelChoice = await calibration.runner.finish();
          if (modelChoice.kind === 'in-run') stage(`calibrated in this run: ${modelChoice.source.functions?.length} functions × ${modelChoice.source.coldStartsPerFunction} cold starts (${modelChoice.source.measuringSeconds} s)`);
        }
      }
    };
    const run = await runStateMachineLocally({
      template,
      lambdaEndpoint: service.endpoint,
      outDir: plan.staging,
      targets: specs,
      input: {
        config: {
          coldStarts: options.coldStarts,
          warmInvocations: options.warmInvocations,
          ...(options.payload ? { payload: options.payload } : {}),
        },
      },
      environment,
      ...(parity ? { parity } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(signal ? { signal } : {}),
      beforeTask,
      awsModel: () => awsModelOf(modelChoice, calibration.committedWhy),
      ...(calibration.size ? { planCalibration: calibration.size } : {}),
      initFileMB: (functionName) => initFileMBByRequest(running.initFootprints(functionName)),
      initPackageFileMB: (functionName) => initPackageFileMBByRequest(running.initFootprints(functionName)),
    });
    if (run.status === 'ABORTED' || signal?.aborted) return { status: 'ABORTED' };
    if (run.writeFailure) {
      const f = run.writeFailure;
      throw new OutputWriteError(`${await describeWriteFailure({ path: f.path, bytes: f.bytes, ...(f.code ? { code: f.code } : {}), message: (f.cause as Error)?.message ?? f.message })}; no results were kept`);
    }
    const resultsFile = path.join(run.resultsDir, 'results.json');
    if (run.status === 'SUCCEEDED' && !existsSync(resultsFile)) {
      throw new OutputWriteError(`the run ended without writing ${resultsFile}; no results were kept`);
    }
    if (!existsSync(run.resultsDir)) throw new OutputWriteError(`the run wrote nothing to ${run.resultsDir}${run.error ? ` (${run.error.error}: ${run.error.cause})` : ''}`);
    // The model the run predicted with stays beside its results, so that its predictions can be checked and refitted.
    if (modelChoice?.kind === 'in-run') writeRunCalibration(run.resultsDir, modelChoice.files);
    stage('syncing the result files and moving them into place');
    try {
      await commitOutput(run.resultsDir, plan);
    } catch (error) {
      throw new OutputWriteError(`${await describeWriteFailure({ path: plan.outDir, ...((error as NodeJS.ErrnoException).code ? { code: (error as NodeJS.ErrnoException).code! } : {}), message: (error as Error).message })}; no results were kept`);
    }
    committed = true;
    const outcome: LocalBenchOutcome = { status: run.status, outDir: plan.outDir, files: readdirSync(plan.outDir).sort() };
    if (existsSync(path.join(plan.outDir, 'results.json'))) outcome.results = JSON.parse(readFileSync(path.join(plan.outDir, 'results.json'), 'utf8')) as BenchmarkResults;
    if (run.error) outcome.error = run.error;
    return outcome;
  } catch (error) {
    if (error instanceof RunInterrupted || signal?.aborted) return { status: 'ABORTED' };
    throw error;
  } finally {
    // Every process first (the synth, the service's environments), then the files.
    signal?.removeEventListener('abort', forwardStop);
    helpersStop.abort();
    await Promise.all([synth.catch(() => undefined), footprint?.catch(() => undefined)]);
    await service?.stop();
    if (!committed) await discardOutput(plan);
  }
}

/**
 * The run's calibration: measured in the run unless the user chose the committed model or a calibration
 * function is not built here (then the committed model, and the reason is said now and in the report).
 * The calibration functions are registered under their own prefix, so that a target file of the same
 * function (a calibration hello world measured as a target) does not clash with them.
 */
function startInRunCalibration(
  root: string,
  options: LocalBenchOptions,
  service: LocalLambdaService,
  specs: readonly TargetSpec[],
  stage: (message: string) => void,
): { runner?: InRunCalibration; committedWhy: string; size?: { functions: number; holdouts: number; coldStarts: number } } {
  const inRun = planInRunCalibration(root, options.calibration ?? 'in-run', options.calibrationColdStarts);
  if (inRun.kind === 'committed') {
    if (options.calibration !== 'committed') stage(`predicting with the committed model: ${inRun.why}`);
    return { committedWhy: inRun.why };
  }
  const prefixed = (t: TargetFile): TargetFile => ({ ...t, definition: { ...t.definition, functionName: `in-run-${t.definition.functionName}`.slice(0, 64) } });
  const targets = inRun.targets.map(prefixed);
  const holdouts = inRun.holdouts.map(prefixed);
  const lambda = new LambdaClient({ ...LOCAL_CLIENT, endpoint: service.endpoint, maxAttempts: 1 });
  const expected = specs.reduce((n) => n + options.coldStarts, 0);
  let committedWhy = 'a calibration function failed in this run';
  stage(`calibrating in this run: ${targets.length} calibration functions × ${inRun.rounds} cold starts, between the targets' cold starts`);
  for (const left of inRun.leftOut) stage(`calibration: left out ${left}`);
  if (holdouts.length) stage(`and ${holdouts.length} hold-outs (runtimes outside the calibration set) in the same rounds, to check the run's model on`);
  for (const left of inRun.holdoutsLeftOut) stage(`hold-out left out: ${left}`);
  const runner = new InRunCalibration({
    projectRoot: root,
    targets,
    rounds: inRun.rounds,
    leftOut: inRun.leftOut,
    holdouts,
    holdoutsLeftOut: inRun.holdoutsLeftOut,
    expectedTargetColdStarts: expected,
    service,
    lambda: stopWithSignal(lambda, options.signal),
    limitsMode: options.limits,
    onFallback: (why) => {
      committedWhy = why;
      if (!options.signal?.aborted) stage(`warning: ${why}; predicting with the committed model instead`);
    },
  });
  return {
    runner,
    size: { functions: targets.length, holdouts: holdouts.length, coldStarts: inRun.rounds },
    get committedWhy() {
      return committedWhy;
    },
  };
}

/** The model Aggregate predicts with: the run's own when it calibrated, else the committed one with the reason. */
function awsModelOf(choice: InRunOutcome | undefined, committedWhy: string): { model: FittedModel | null; source: PredictionModelSource; holdoutCheck?: HoldoutSummary | { unavailable: string } } {
  if (choice?.kind === 'in-run') return { model: choice.model, source: choice.source, ...(choice.holdoutCheck ? { holdoutCheck: choice.holdoutCheck } : {}) };
  const source: PredictionModelSource = choice?.source ?? { kind: 'committed', why: committedWhy };
  try {
    return { model: loadFittedModel(), source };
  } catch (error) {
    return { model: null, source: { ...source, why: `${source.why}; and the committed model could not be read: ${(error as Error).message}` } };
  }
}

/** The zip a configuration's package size comes from (for its label). */
function zipLabel(target: TargetKey): string {
  return zipOf(target, '/') ?? target;
}

export { OutputLocationError };
