/**
 * Types shared by the benchmark steps, the aggregation and the report writers.
 *
 * Everything here is plain JSON data: Step Functions passes state between Task states as JSON
 * (256 KB per state), so no Dates, Maps, class instances or undefined-vs-null subtleties that
 * JSON.stringify would lose. Optional fields are omitted rather than set to undefined.
 */

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type Phase = 'cold' | 'warm';
export type Architecture = 'x86_64' | 'arm64';
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

export interface ErrorSummary {
  phase: Phase;
  /** 'function' (the function failed), 'api' (Invoke failed), 'report' (REPORT status not success), 'missing-report'. */
  kind: 'function' | 'api' | 'report' | 'missing-report';
  errorType: string;
  errorMessage: string;
  count: number;
}

export interface ColdStats {
  /** Cold invocations that succeeded and carry an Init Duration: the samples below. */
  n: number;
  initMs: Stats | null;
  durationMs: Stats | null;
  billedMs: Stats | null;
  maxMemoryMB: Stats | null;
  roundTripMs: Stats | null;
  /** Cold-phase invocations whose REPORT had no Init Duration (the environment was not new). */
  withoutInitDuration: number;
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
  invocations: number;
  /** Invocations that failed in any way (function error, API error, REPORT status, missing REPORT). */
  errors: number;
  errorSummary: ErrorSummary[];
  runErrors: string[];
  cold: ColdStats;
  warm: WarmStats;
  /** One real answer of the function to the payload (null when none succeeded). */
  response: JsonValue | null;
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
  } | null;
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
}

/** What a run reports as it goes, for progress displays. */
export type ProgressEvent =
  | { type: 'target-start'; target: string; targetIndex: number; targets: number }
  | { type: 'invocation'; target: string; phase: Phase; index: number; total: number; record: InvocationRecord; updateWaitMs?: number }
  | { type: 'collecting'; target: string; found: number; missing: number }
  | { type: 'target-error'; target: string; message: string }
  | { type: 'target-done'; target: string; invocations: number; failed: number };
