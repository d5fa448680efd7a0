/**
 * Types shared by the benchmark steps, the aggregation and the report writers.
 *
 * Everything here is plain JSON data: Step Functions passes state between Task states as JSON
 * (256 KB per state), so no Dates, Maps, class instances or undefined-vs-null subtleties that
 * JSON.stringify would lose. Optional fields are omitted rather than set to undefined.
 */

import type { CalibrationMachine, FamilyOutCoverage, HoldoutSummary, IntervalValidation, PredictedAwsMemory, ValidationKind } from '../prediction/types';
import type { Architecture, PackageType } from '../util/lambda-types';

export type { Architecture, PackageType };

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type Phase = 'cold' | 'warm';
export type Backend = 'local' | 'aws';
/** Lambda's two log formats: the classic text lines, or JSON events (`platform.report`). */
export type LogFormat = 'Text' | 'JSON';

/** What the benchmark does; validated by `resolveConfig` in config.ts. */
export interface BenchmarkConfig {
  /** Forced cold starts per target (each one a fresh execution environment). */
  coldStarts: number;
  /** Warm invocations per target, sent one after another after the last cold start. */
  warmInvocations: number;
  /** The event sent on every invocation. */
  payload: JsonObject;
  /** Share of invocations assumed to be cold starts in the cost estimate (0..1). */
  costColdStartShare: number;
  /** Which targets the ratios compare: value = numerator / denominator. */
  ratio: { numerator: string; denominator: string };
  bootstrap: { iterations: number; confidence: number; seed: number };
  /** How long to wait for CloudWatch Logs to deliver every REPORT line. */
  reportCollection: { deadlineMs: number; pollIntervalMs: number };
  /** Upper bound on one function configuration update (the cold-start trigger). */
  functionUpdateTimeoutSeconds: number;
}

/** One function under test. */
export interface TargetSpec {
  /** Short stable key, used in results and file rows: 'apr', 'pytorch', ... */
  key: string;
  functionName: string;
  logGroupName: string;
  /** Human label of the runtime, e.g. 'provided.al2023' or 'container-image'. */
  runtimeLabel: string;
  memorySizeMB: number;
  architecture: Architecture;
  /** Deployed package size in bytes (zip, or image size). */
  packageBytes: number;
  /** 'Zip' or 'Image'; what the AWS prediction of a local run needs. Absent on older manifests. */
  packageType?: PackageType;
  /**
   * A calibration hello world's lambda-perf runtime (its target file's "calibration" block): only such a
   * function is judged by leaving one version out; absent for everything else.
   */
  calibrationRuntime?: string;
  /**
   * The event this target is sent instead of the run's payload (a function brought in by a target
   * file answers its own events, not the wine contract). Absent: config.payload.
   */
  payload?: JsonValue;
  /** Human description of the package, e.g. '1.2 MB zip'. */
  packageLabel: string;
  /** The function's log format; decides which REPORT filter is used. Default 'Text'. */
  logFormat?: LogFormat;
  /**
   * How many new execution environments each forced cold start initialises at once (concurrent
   * invocations right after the configuration update). Default 1: one cold start per update. More
   * only shortens a run whose inits take seconds, where each environment runs under its own CPU
   * share (see the local bench's methodology); Prepare fills in 1 where it is absent.
   */
  coldStartConcurrency?: number;
  /**
   * The registry target (lib/targets/registry.ts) this configuration measures, when the key is not the
   * target's own: with several memory sizes each (target, memory) is its own configuration, keyed
   * `<target>-<memory>mb` except at the target's own size. Absent: the key is the target.
   */
  ladderTarget?: string;
}

/** What the client saw of one Invoke call. */
export interface InvocationRecord {
  /** Lambda's request id (x-amzn-RequestId), the key that joins the REPORT line. */
  requestId: string;
  phase: Phase;
  /** Epoch milliseconds when the (first attempt of the) call was sent. */
  startedAt: number;
  /**
   * Client-measured round trip of the attempt that produced the answer, in ms (hrtime):
   * request sent to response body read. Throttled attempts and back-off waits are not included;
   * see `attempts` and `retryDelayMs` for those.
   */
  roundTripMs: number;
  /** HTTP attempts the SDK made (1 = no retry). */
  attempts: number;
  /** Total time the SDK's retry strategy waited between attempts, ms. */
  retryDelayMs: number;
  /** Invoke's StatusCode (200 for a synchronous call that reached the function), or the HTTP status of a failed call. */
  statusCode: number;
  /** X-Amz-Function-Error ('Unhandled', 'Handled'): the function itself failed. */
  functionError?: string;
  /** Set when the Invoke API call itself failed (throttled after all retries, service error): no function ran, no REPORT line exists. */
  apiError?: true;
  errorType?: string;
  errorMessage?: string;
  /** The parsed answer (kept only where the caller needs it; records stay compact). */
  response?: JsonValue;
  /** The cold-start marker set before this invocation (cold phase only). */
  coldStartMarker?: string;
}

/** One REPORT line (text) or `platform.report` event (JSON), parsed. */
export interface ReportRecord {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMB: number;
  maxMemoryUsedMB: number;
  /** Present only on the first invocation of a new execution environment. */
  initDurationMs?: number;
  /** SnapStart only. */
  restoreDurationMs?: number;
  billedRestoreDurationMs?: number;
  /** Text format: only on failure ('error', 'timeout'); JSON format: always ('success', ...). */
  status?: string;
  errorType?: string;
  /**
   * INIT_REPORT records written in the same log stream (the same execution environment) since its
   * previous REPORT: an init that failed or timed out and was retried inside this invocation, whose
   * REPORT then carries no Init Duration. Absent when there were none.
   */
  initReports?: InitReportRecord[];
}

/**
 * One `INIT_REPORT` line (text) or `platform.initReport` event (JSON): Lambda writes it when an
 * environment's init does not end the usual way, e.g.
 * `INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout`. No request id: it belongs to
 * the log stream (the environment) it was written in.
 */
export interface InitReportRecord {
  initDurationMs: number;
  /** 'init': the environment's init phase (10 s limit); 'invoke': the init retried inside an invocation. */
  phase: string;
  /** 'timeout', 'error', 'failure', or 'success' (JSON events of successful inits). */
  status: string;
  errorType?: string;
}

/** An invocation joined with its REPORT record (absent when none was found or none can exist). */
export interface JoinedInvocation extends InvocationRecord {
  report?: ReportRecord;
}

/** Raw data of one target, as the state machine's Aggregate step assembles it and aggregate() consumes it. */
export interface TargetRun {
  spec: TargetSpec;
  invocations: JoinedInvocation[];
  /** Errors of the run itself (not of single invocations), e.g. REPORT lines that never arrived. */
  runErrors: string[];
  /** Local runs: the file bytes each cold start's INIT brought in, MB, by request id (the AWS model's second input). */
  initFileMB?: { [requestId: string]: number };
  /**
   * Local runs: of it, the MB of pages mapped from the function's own package (its packagePaths), by
   * request id; absent for a function that names no package paths.
   */
  initPackageFileMB?: { [requestId: string]: number };
  /** Epoch ms bounds of this target's invocations. */
  startedAt: number;
  finishedAt: number;
}

export interface RawBenchmarkRun {
  startedAt: string;
  finishedAt: string;
  config: BenchmarkConfig;
  targets: TargetRun[];
  /** True when the run was stopped early (AbortSignal); targets hold what was measured. */
  aborted: boolean;
}

/** Summary statistics; percentiles are Hyndman & Fan type 7 (linear interpolation). */
export interface Stats {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Sample standard deviation (n - 1); null when n < 2. */
  stdev: number | null;
}

/** A ratio numerator / denominator with its percentile-bootstrap confidence interval. */
export interface Ratio {
  /** null when either side has no samples, or the denominator is 0. */
  value: number | null;
  /** null when no bootstrap is possible (exact quantity, too few samples, or a zero denominator in a resample). */
  ci95: [number, number] | null;
  numerator: number | null;
  denominator: number | null;
  /** What was compared, e.g. 'p50 of Init Duration (ms)'. */
  basis: string;
}

/** Failed invocations of one cause: same kind, error type and message once per-request ids are taken out. */
export interface ErrorSummary {
  /** 'function' (the function failed), 'api' (Invoke failed), 'report' (REPORT status not success), 'missing-report'. */
  kind: 'function' | 'api' | 'report' | 'missing-report';
  errorType: string;
  /** The message with the request id (`<request id>`) and other per-request ids (`<id>`, `<trace id>`) taken out. */
  errorMessage: string;
  count: number;
  /** How many of `count` in each phase. */
  phases: { cold: number; warm: number };
  /** One request id of the group, to look up in invocations.csv and raw/ ('' when Lambda gave none: an Invoke call that failed). */
  exampleRequestId: string;
}

export interface ColdStats {
  /** Cold invocations that succeeded and carry an Init Duration: the samples below. */
  n: number;
  initMs: Stats | null;
  durationMs: Stats | null;
  billedMs: Stats | null;
  maxMemoryMB: Stats | null;
  roundTripMs: Stats | null;
  /**
   * Local runs: file bytes INIT brought in, MB, over the same cold starts as `initMs`
   * (lib/local-lambda/init-footprint.ts); absent on AWS runs.
   */
  initFileMB?: Stats | null;
  /**
   * Local runs: of initFileMB, the MB of resident pages mapped from the function's own package (its
   * packagePaths: /var/task, layers; lib/local-lambda/init-footprint.ts), over the same cold starts. Bytes
   * read through read(2) are all counted as the runtime's. Absent when not measured (AWS runs, a function
   * without package paths, no cold start that recorded it).
   */
  initPackageFileMB?: Stats | null;
  /** Cold-phase invocations that succeeded but whose REPORT had no Init Duration (listed in `lostInitDuration`). */
  withoutInitDuration: number;
  /**
   * Every cold-phase invocation whose REPORT had no Init Duration, failed or not, with the reason
   * (from the INIT_REPORT lines of its environment) and what the client waited: such cold starts are
   * not samples of Init Duration, but they happened and are reported.
   */
  lostInitDuration: LostInitDurationSummary;
}

/** One cold start whose REPORT had no Init Duration. */
export interface ColdStartWithoutInit {
  requestId: string;
  /** 0-based position among the target's cold-phase invocations, as in invocations.csv. */
  index: number;
  /** Short grouping key, e.g. 'init timeout', 'init error (Runtime.ExitError)', 'no INIT_REPORT'. */
  reason: string;
  /** The INIT_REPORT records of its environment, in order. */
  initReports: InitReportRecord[];
  /** Client round trip of the invocation, ms: on a retried init it contains both inits. */
  roundTripMs: number;
  /** REPORT Duration, ms (on a retried init Lambda counts the retried init in it); null without REPORT. */
  durationMs: number | null;
  /** 'ok', or how the invocation failed ('function-error', 'report-error', ...). */
  outcome: string;
}

export interface LostInitDurationSummary {
  count: number;
  /** Per reason: how many, how many of them still answered, and their client round trips. */
  reasons: { reason: string; description: string; count: number; succeeded: number; roundTripMs: Stats | null }[];
  invocations: ColdStartWithoutInit[];
}

/** A statistic computed from fewer samples than the run asked for. */
export interface SampleShortfall {
  phase: Phase;
  /** What the samples feed, e.g. 'Init Duration, Duration, Max Memory Used (cold starts)'. */
  statistics: string;
  n: number;
  asked: number;
  /** Where the others went, e.g. '9 lost their Init Duration (init timeout), 20 failed'. */
  why: string;
}

export interface WarmStats {
  /** Warm invocations that succeeded without an Init Duration: the samples below. */
  n: number;
  durationMs: Stats | null;
  billedMs: Stats | null;
  maxMemoryMB: Stats | null;
  roundTripMs: Stats | null;
  /** Warm-phase invocations whose REPORT carried an Init Duration (landed in a new environment). */
  withInitDuration: number;
}

export interface TargetResults {
  functionName: string;
  runtime: string;
  architecture: Architecture;
  memorySizeMB: number;
  packageBytes: number;
  packageLabel: string;
  /** Environments initialised at once per forced cold start (TargetSpec.coldStartConcurrency). */
  coldStartConcurrency: number;
  /** The registry target this configuration measures, when not the key itself (TargetSpec.ladderTarget). */
  ladderTarget?: string;
  /**
   * 95 % percentile-bootstrap intervals of this target's own p50s (config.bootstrap's iterations and
   * seed): cold-start Init Duration and warm Duration. null where there is no sample.
   */
  p50Ci95?: { coldInitMs: [number, number] | null; warmDurationMs: [number, number] | null };
  invocations: number;
  /** Invocations that failed in any way (function error, API error, REPORT status, missing REPORT). */
  errors: number;
  errorSummary: ErrorSummary[];
  runErrors: string[];
  cold: ColdStats;
  warm: WarmStats;
  /** Statistics with fewer samples than asked for; empty when every asked sample is there. */
  sampleShortfalls: SampleShortfall[];
  /** One real answer of the function to the payload (null when none succeeded). */
  response: JsonValue | null;
  /** The event this target was sent when it is not config.payload (a target file's own payload). */
  payload?: JsonValue;
  /**
   * Local runs only: what AWS is predicted to show for this function's cold start, from its local
   * Init Duration through the fitted model (lib/prediction). Absent on AWS runs.
   */
  predictedAws?: PredictedAwsBlock;
}

/** The model's prediction of one target's AWS Init Duration and Max Memory Used, per architecture. */
export interface PredictedAwsBlock {
  /** Local figures the prediction was made from. */
  from: {
    localInitP50Ms: number;
    localInitP90Ms: number;
    /** p50 of the file MB the cold starts' INIT brought in (the model's second input); null when not measured. */
    localInitFileMB: number | null;
    /** Of it, p50 of the MB under the function's own package; null when not measured. */
    localPackageFileMB?: number | null;
    /** p50 of the cold invocations' Max Memory Used, MB; null when not measured. */
    localMaxMemoryMB?: number | null;
    n: number;
    packageType: PackageType;
    runtime: string;
  };
  /** Whether the target's runtime is one of the calibration runtimes the model was fitted on. */
  runtimeCalibrated: boolean;
  /**
   * Which validation sizes this target's intervals: 'leave-one-version-out' for a calibration hello world
   * only, 'leave-one-family-out' for everything the model has not seen (lib/prediction/predict.ts).
   */
  validationKind?: ValidationKind;
  /** Why that validation, in a sentence. */
  validationWhy?: string;
  /** Where the target is a calibration runtime: lambda-perf's own AWS p50 for it (zip or image, x86_64), beside the prediction. */
  lambdaPerf?: { runtime: string; x86_64InitP50Ms: number | null; arm64InitP50Ms: number | null; source: string };
  /** Calibration runtimes whose local Init Duration and init file MB stand nearest to this target's, nearest first. */
  nearestCalibrationRuntimes: string[];
  /**
   * Where the model's input ("effective local ms") lies outside the calibration runtimes' range, the line is
   * extrapolated: for which architecture's cell, which side, and the range; null inside.
   */
  extrapolated: { architecture: Architecture; direction: 'below' | 'above'; effectiveLocalMs: number; rangeMs: { min: number; max: number } } | null;
  x86_64: PredictedInit | null;
  arm64: PredictedInit | null;
  /** Predicted AWS Max Memory Used (the environment's own overhead included, as AWS reports it). */
  maxMemory?: { x86_64: PredictedAwsMemory | null; arm64: PredictedAwsMemory | null };
  /** Why there is no prediction (no cold-start sample, no model, bad input); absent when there is one. */
  unavailable?: string;
}

export interface PredictedInit {
  /** The model's input for this architecture's cell: local p50 + k × file MB, ms. */
  effectiveLocalMs: number;
  p50Ms: number;
  p90Ms: number;
  /** Prediction interval of the p50, ms, at `level` (0.9 where the calibration points allow it). */
  interval: { low: number; high: number; level: number };
  /** The validation the interval and the error come from, with its errors and, family-out, its checked coverage. */
  validation: IntervalValidation;
}

/** Which model predicted a local run's AWS figures, and why that one. */
export interface PredictionModelSource {
  /** 'in-run': fitted on calibration functions measured in this run; 'committed': data/calibration/fitted-model.json. */
  kind: 'in-run' | 'committed';
  why: string;
  /** Cold starts per calibration function measured in this run, the functions, and the seconds their rounds took. */
  coldStartsPerFunction?: number;
  functions?: string[];
  measuringSeconds?: number;
  /** Of it, the seconds the hold-outs' cold starts took (measured in the same rounds, checked, never fitted). */
  holdoutSeconds?: number;
  /** The hold-outs measured in the run (their function names), when any were. */
  holdouts?: string[];
}

/** A calibration point of the model a run used, as the report lists it (zip x86_64 errors). */
export interface PredictionModelPoint {
  runtime: string;
  family: string;
  source: string;
  localInitP50Ms: number;
  localInitFileMB: number;
  localPackageFileMB: number;
  awsInitP50Ms: number | null;
  /** Errors of this point left out (version) and with its family left out, zip x86_64; null where the cell lacks it. */
  versionOutErrorPct: number | null;
  familyOutErrorPct: number | null;
}

/** A ratio of two predictions (numerator / denominator target), with the interval the two intervals span. */
export interface PredictedRatio {
  architecture: Architecture;
  value: number;
  /** [low_num / high_den, high_num / low_den]: conservative, it assumes nothing about how the errors correlate. */
  interval: [number, number];
}

export interface CostTarget {
  architecture: Architecture;
  memorySizeMB: number;
  pricePerGbSecond: number;
  /** ceil(p50 Init Duration + p50 cold Duration), ms. */
  coldBilledMs: number | null;
  /** ceil(p50 warm Duration), at least 1 ms. */
  warmBilledMs: number | null;
  /** USD per 1M invocations at config.costColdStartShare. */
  perMillion: number | null;
  perMillionAllWarm: number | null;
  perMillionAllCold: number | null;
}

export interface CostBlock {
  region: string;
  coldStartShare: number;
  pricePerMillionRequests: number;
  formula: string;
  targets: { [key: string]: CostTarget };
}

export interface Parity {
  maxAbsQualityDiff: number | null;
  identicalLabels: boolean | null;
  /** Where the block comes from, e.g. 'parity test over N cases' or 'benchmark responses'. */
  source: string;
  cases: number;
  [extra: string]: JsonValue;
}

export interface EnvironmentManifest {
  /** Whether CPU/memory limits matching the function's memory size were applied (local runs). */
  limitsApplied: boolean;
  [key: string]: JsonValue;
}

export interface BenchmarkResults {
  schemaVersion: 1;
  backend: Backend;
  /**
   * The run's name: the state machine execution's on AWS (runs/<name>/ in the results bucket), the local
   * run's otherwise. Absent in results written before it was recorded.
   */
  run?: string;
  startedAt: string;
  finishedAt: string;
  aborted: boolean;
  config: {
    coldStarts: number;
    warmInvocations: number;
    payload: JsonObject;
    costColdStartShare: number;
    bootstrap: { iterations: number; confidence: number; seed: number };
  };
  environment: EnvironmentManifest;
  targets: { [key: string]: TargetResults };
  ratios: {
    numerator: string;
    denominator: string;
    coldStartInitP50: Ratio;
    warmDurationP50: Ratio;
    maxMemory: Ratio;
    packageSize: Ratio;
    /** Local runs: the same cold-start ratio between the two targets' predicted AWS p50s. */
    predictedAwsColdStartInitP50?: { x86_64: PredictedRatio | null; arm64: PredictedRatio | null };
  } | null;
  /** Local runs: how the AWS predictions were made (model form, table, calibration runtimes); absent on AWS runs. */
  predictionModel?:
    | {
        form: string;
        table: string;
        calibrationRuntimes: string[];
        /** Which model it was (fitted in this run, or the committed one) and why. */
        source?: PredictionModelSource;
        /** The model's calibration points with their sources and errors. */
        points?: PredictionModelPoint[];
        /** The printed intervals' level, and on the calibration set how often AWS fell inside the family-out interval (zip x86_64). */
        intervalLevel?: number;
        familyOutCoverage?: FamilyOutCoverage;
        /**
         * The test on runtimes outside the calibration set: how the predictions of hello worlds the model was
         * never fitted on fared against AWS. `of`: the run's own model (a run that calibrated itself measured the
         * hold-outs too, calibration/holdout-check.json) or the committed one (data/calibration/holdout-check.json).
         */
        holdoutCheck?: (HoldoutSummary & { of: 'in-run' | 'committed' }) | { unavailable: string };
        /**
         * A run's own model: its family-out intervals are no narrower than the committed model's
         * (lib/prediction/interval-floor.ts). `from`: the committed table; `widened`: the cells whose own
         * half-width was narrower ('Zip x86_64', 'memory Zip x86_64').
         */
        intervalFloor?: { from: string; widened: string[] };
        /** The machine and load the calibration was measured at (data/calibration/local-measurements.json), when known. */
        calibratedOn?: CalibrationMachine;
        /** How this run's machine, load or limits differ from the calibration's: each a reason the predictions may be off. */
        calibrationMismatches?: string[];
      }
    | { unavailable: string };
  parity: Parity | null;
  cost: CostBlock;
}

/** One row of invocations.csv (and the samples behind the distribution charts). */
export interface InvocationRow {
  target: string;
  phase: Phase;
  /** 0-based position within the target's phase. */
  index: number;
  requestId: string;
  startedAt: number;
  roundTripMs: number;
  initMs: number | null;
  durationMs: number | null;
  billedMs: number | null;
  maxMemoryMB: number | null;
  /** 'ok', or what went wrong: 'function-error', 'api-error', 'report-error', 'missing-report'. */
  status: string;
  errorType: string | null;
  /** The INIT_REPORT records of the invocation's environment, e.g. 'init timeout 10000 ms'; null when none. */
  initReport: string | null;
}

/** What a run reports as it goes, for progress displays. */
export type ProgressEvent =
  | { type: 'target-start'; target: string; targetIndex: number; targets: number }
  | { type: 'invocation'; target: string; phase: Phase; index: number; total: number; record: InvocationRecord; updateWaitMs?: number }
  | { type: 'collecting'; target: string; found: number; missing: number }
  | { type: 'target-error'; target: string; message: string }
  | { type: 'target-done'; target: string; invocations: number; failed: number };
