import { aggregate, invocationRows } from '../benchmark/aggregate';
import { joinReports, keepFirstResponses } from '../benchmark/records';
import { buildResultFiles, writeResultFiles, type ResultSink } from '../benchmark/result-files';
import type { Backend, EnvironmentManifest, InvocationRecord, Parity, PredictionModelSource, RawBenchmarkRun, Ratio, TargetRun } from '../benchmark/types';
import type { FittedModel, HoldoutSummary } from '../prediction';
import type { StoredReports, StoredRunErrors } from './collect';
import { loadInvocations } from './measure';
import type { RunManifest } from './prepare';
import type { RunStore } from './run-store';
import { checkRunName, layout } from './run-layout';
import { TaskInputError, type AggregateInput, type AggregateOutput, type RatioSummary } from './task-types';
import { S3_CALLS, type AwsCall } from './aws-call';
import { renderPlanMarkdown } from '../plan/render';

/**
 * Last Task of a run: joins every stored record with its REPORT record, computes the statistics
 * (lib/benchmark's aggregate, the same code as the local run) and writes the result files under
 * runs/<run>/. The execution's output is the headline: where the files are, the ratios, the errors.
 */

export interface AggregateDeps {
  store: RunStore;
  /** Where the result files go, for this run's prefix. */
  sinkFor: (resultsPrefix: string) => ResultSink;
  backend: Backend;
  environment: EnvironmentManifest;
  /** A parity check run beside the state machine (the local run does one before measuring). */
  parity?: Parity;
  now?: () => Date;
  /**
   * Local runs: the file bytes each cold start's INIT brought in, MB, by request id, for a function
   * (lib/local-lambda/init-footprint.ts, read in-process from the service): the AWS model's second input.
   */
  initFileMB?: (functionName: string) => { [requestId: string]: number };
  /** Local runs: of it, the MB mapped from the function's own package, by request id (init-footprint.ts). */
  initPackageFileMB?: (functionName: string) => { [requestId: string]: number };
  /**
   * Local runs: the model that predicts AWS and why that one, asked for when Aggregate runs (a run that
   * calibrates itself has fitted it by then). Absent: the committed model.
   */
  awsModel?: () => { model: FittedModel | null; source: PredictionModelSource; holdoutCheck?: HoldoutSummary | { unavailable: string } };
}

function targetWindow(records: readonly InvocationRecord[], fallback: number): { startedAt: number; finishedAt: number } {
  if (records.length === 0) return { startedAt: fallback, finishedAt: fallback };
  return {
    startedAt: Math.min(...records.map((r) => r.startedAt)),
    finishedAt: Math.max(...records.map((r) => r.startedAt + r.roundTripMs + r.retryDelayMs)),
  };
}

function headline(r: Ratio): RatioSummary {
  return { value: r.value, ci95: r.ci95 };
}

export async function loadRawRun(
  store: RunStore,
  run: string,
  finishedAt: Date,
  initFileMB?: AggregateDeps['initFileMB'],
  initPackageFileMB?: AggregateDeps['initPackageFileMB'],
): Promise<RawBenchmarkRun> {
  const manifest = await store.getJson<RunManifest>(layout.runManifest(run));
  if (!manifest) throw new Error(`aggregate: ${store.describe(layout.runManifest(run))} is missing; did Prepare run?`);
  const started = Date.parse(manifest.startedAt);
  const targets: TargetRun[] = [];
  for (const spec of manifest.targets) {
    const { cold, warm } = await loadInvocations(store, run, spec.key);
    const records = [...cold.map((c) => c.record), ...warm];
    const reports = (await store.getJson<StoredReports>(layout.reports(run, spec.key)))?.reports ?? {};
    const runErrors = (await store.getJson<StoredRunErrors>(layout.runErrors(run, spec.key)))?.errors ?? [];
    targets.push({
      spec,
      invocations: joinReports(keepFirstResponses(records), reports),
      runErrors,
      ...(initFileMB ? { initFileMB: initFileMB(spec.functionName) } : {}),
      ...(initPackageFileMB ? { initPackageFileMB: initPackageFileMB(spec.functionName) } : {}),
      ...targetWindow(records, Number.isFinite(started) ? started : finishedAt.getTime()),
    });
  }
  return { startedAt: manifest.startedAt, finishedAt: finishedAt.toISOString(), config: manifest.config, targets, aborted: false };
}

export async function aggregateTask(input: AggregateInput, deps: AggregateDeps): Promise<AggregateOutput> {
  if (typeof input?.run !== 'string') throw new TaskInputError('Aggregate', '"run" must be the run name');
  const run = checkRunName(input.run);
  const raw = await loadRawRun(deps.store, run, (deps.now ?? (() => new Date()))(), deps.initFileMB, deps.initPackageFileMB);
  const chosen = deps.awsModel?.();
  const results = aggregate({
    run: raw,
    backend: deps.backend,
    environment: deps.environment,
    ...(deps.parity ? { parity: deps.parity } : {}),
    ...(chosen ? { awsModel: chosen.model, modelSource: chosen.source, ...(chosen.holdoutCheck ? { holdoutCheck: chosen.holdoutCheck } : {}) } : {}),
  });
  // Named in the file itself, so that a run stays identifiable when its directory is renamed (calibrate --aws-run).
  results.run = run;
  // The plan Prepare recorded, with the measured duration (Prepare's start to now) beside it.
  const plan = (await deps.store.getJson<RunManifest>(layout.runManifest(run)))?.plan;
  const measuredSeconds = (Date.parse(raw.finishedAt) - Date.parse(raw.startedAt)) / 1000;
  const planSection = plan ? renderPlanMarkdown(plan, Number.isFinite(measuredSeconds) ? measuredSeconds : undefined) : undefined;
  const files = buildResultFiles(results, invocationRows(raw), planSection ? { planSection } : {});
  const resultsPrefix = layout.runPrefix(run);
  await writeResultFiles(deps.sinkFor(resultsPrefix), files);
  const errors: { [target: string]: number } = {};
  const runErrors: { [target: string]: number } = {};
  for (const [key, t] of Object.entries(results.targets)) {
    errors[key] = t.errors;
    runErrors[key] = t.runErrors.length;
  }
  const r = results.ratios;
  return {
    run,
    resultsPrefix,
    ratios: r
      ? {
          numerator: r.numerator,
          denominator: r.denominator,
          coldStartInitP50: headline(r.coldStartInitP50),
          warmDurationP50: headline(r.warmDurationP50),
          maxMemory: headline(r.maxMemory),
          packageSize: headline(r.packageSize),
        }
      : null,
    errors,
    runErrors,
  };
}

/** Every AWS request the aggregate handler makes (aws-call.ts; checked by lib/audit/iam-simulation.ts). */
export const AWS_CALLS: { [handler: string]: AwsCall[] } = {
  aggregate: [
    S3_CALLS.get('raw/run.json'),
    S3_CALLS.listTarget('cold/'),
    S3_CALLS.getTarget('cold/0001.json'),
    S3_CALLS.getTarget('warm.json'),
    S3_CALLS.getTarget('reports.json'),
    S3_CALLS.getTarget('run-errors.json'),
    S3_CALLS.missingKeyCheck('warm.json, reports.json and run-errors.json of a target that was stopped early, or ran clean'),
    // lib/benchmark/result-files.ts (S3Sink): results.json, invocations.csv, report.md and the charts.
    S3_CALLS.put('results.json'),
    S3_CALLS.put('report.md'),
  ],
};
