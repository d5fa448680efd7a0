import { loadFittedModel, loadHoldoutSummary, type FittedModel, type HoldoutSummary } from '../prediction';
import { costBlock, type CostInputs } from './cost';
import { coldStartsWithoutInit, summarizeLostInit } from './lost-init';
import { modelSummary, predictedRatio, predictTargetAws } from './predicted-aws';
import { reportFailed } from './report-line';
import { bootstrapCi, bootstrapRatioCi, median, summarize } from './statistics';
import type {
  Backend,
  BenchmarkResults,
  BenchmarkConfig,
  ColdStats,
  EnvironmentManifest,
  ErrorSummary,
  InvocationRow,
  JoinedInvocation,
  JsonValue,
  Parity,
  PredictionModelSource,
  Ratio,
  RawBenchmarkRun,
  SampleShortfall,
  Stats,
  TargetResults,
  TargetRun,
  WarmStats,
} from './types';

/**
 * Turns raw per-target records into the results document (results.json). Pure: same input, same
 * output (the bootstrap is seeded from the config).
 *
 * Which samples count:
 * - an invocation is a sample only if it succeeded: the Invoke call went through, the function did
 *   not fail, its REPORT record was found and does not carry a failure status;
 * - cold samples are cold-phase invocations whose REPORT has an Init Duration (a new environment
 *   really was initialised); cold-phase invocations without one are counted, not used;
 * - warm samples are warm-phase invocations without an Init Duration; warm-phase invocations that
 *   landed in a new environment anyway are counted, not used;
 * - cold starts whose REPORT lost its Init Duration (init timed out or failed and was retried inside
 *   the invocation) are listed with their reason and round trip (lost-init.ts), and every statistic
 *   with fewer samples than the run asked for is named in `sampleShortfalls`.
 *
 * Local runs also carry what AWS is predicted to show (predicted-aws.ts): the fitted model is the
 * committed one unless `awsModel` says otherwise; AWS runs carry none.
 */

export interface AggregateInput {
  run: RawBenchmarkRun;
  backend: Backend;
  environment: EnvironmentManifest;
  /** Parity block from the parity test; when absent, one is derived from the recorded answers. */
  parity?: Parity | null;
  /**
   * The model that predicts AWS from a local run. Default for local runs: the committed fitted model
   * (data/calibration/fitted-model.json); null: no predictions. Never used on AWS runs.
   */
  awsModel?: FittedModel | null;
  /** Which model `awsModel` is, and why that one (a run that calibrated itself, or fell back): said in results.json. */
  modelSource?: PredictionModelSource;
  /**
   * The hold-out check of `awsModel` when the run made one (a run that calibrated itself measures the
   * hold-outs too); absent: the committed model's (data/calibration/holdout-check.json).
   */
  holdoutCheck?: HoldoutSummary | { unavailable: string };
}

type Outcome = 'ok' | 'function-error' | 'api-error' | 'report-error' | 'missing-report';

export function outcomeOf(inv: JoinedInvocation): Outcome {
  if (inv.apiError) return 'api-error';
  if (inv.functionError) return 'function-error';
  if (!inv.report) return 'missing-report';
  if (reportFailed(inv.report)) return 'report-error';
  return 'ok';
}

const KIND: Record<Exclude<Outcome, 'ok'>, ErrorSummary['kind']> = {
  'api-error': 'api',
  'function-error': 'function',
  'report-error': 'report',
  'missing-report': 'missing-report',
};

function errorTypeOf(inv: JoinedInvocation, outcome: Outcome): string {
  switch (outcome) {
    case 'missing-report':
      return 'MissingReport';
    case 'report-error':
      return inv.report?.errorType ?? `Status: ${inv.report?.status}`;
    default:
      return inv.errorType ?? inv.report?.errorType ?? inv.functionError ?? 'Unknown';
  }
}

function errorMessageOf(inv: JoinedInvocation, outcome: Outcome): string {
  if (outcome === 'missing-report') return 'no REPORT record was found for this request id';
  if (outcome === 'report-error') return `REPORT status ${inv.report?.status ?? '?'}`;
  const message = messageWithoutIds(inv.errorMessage ?? '', inv.requestId);
  return message.length > 300 ? `${message.slice(0, 300)}...` : message;
}

/** Lambda's request ids, and any other UUID a message carries (another request's, a sandbox's). */
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/** X-Ray trace ids: `1-<8 hex epoch>-<24 hex>`. */
const TRACE_ID = /\b1-[0-9a-f]{8}-[0-9a-f]{24}\b/gi;
/** Other hex ids of 32 digits or more, e.g. the execution environment's in a log stream name (`[$LATEST]<32 hex>`). */
const LONG_HEX_ID = /\b[0-9a-f]{32,}\b/gi;

/**
 * An error message with what differs from one request to the next taken out, so that one cause makes
 * one entry of errorSummary: Lambda writes the request id into the platform's errors
 * (`RequestId: <id> Error: Runtime exited with error: exit status 1`), so a runtime that kept exiting
 * gave one entry per request. The request's own id becomes `<request id>`, other ids `<id>` or `<trace id>`.
 */
export function messageWithoutIds(message: string, requestId: string): string {
  const own = requestId ? message.split(requestId).join('<request id>') : message;
  return own.replace(TRACE_ID, '<trace id>').replace(UUID, '<id>').replace(LONG_HEX_ID, '<id>');
}

/**
 * Failed invocations grouped by cause: kind, error type and message with the per-request ids taken out
 * (messageWithoutIds), each with its count, how many in each phase, and one request id to look up.
 */
export function summarizeErrors(invocations: readonly JoinedInvocation[]): ErrorSummary[] {
  const groups = new Map<string, ErrorSummary>();
  for (const inv of invocations) {
    const outcome = outcomeOf(inv);
    if (outcome === 'ok') continue;
    const kind = KIND[outcome];
    const errorType = errorTypeOf(inv, outcome);
    const errorMessage = errorMessageOf(inv, outcome);
    const key = JSON.stringify([kind, errorType, errorMessage]);
    const group = groups.get(key) ?? { kind, errorType, errorMessage, count: 0, phases: { cold: 0, warm: 0 }, exampleRequestId: '' };
    group.count++;
    group.phases[inv.phase]++;
    if (!group.exampleRequestId) group.exampleRequestId = inv.requestId;
    groups.set(key, group);
  }
  return [...groups.values()];
}

interface Samples {
  coldInit: number[];
  /** Request ids of the cold samples, in the order of coldInit. */
  coldRequestIds: string[];
  coldDuration: number[];
  coldBilled: number[];
  coldMemory: number[];
  coldRoundTrip: number[];
  warmDuration: number[];
  warmBilled: number[];
  warmMemory: number[];
  warmRoundTrip: number[];
  coldWithoutInit: number;
  warmWithInit: number;
}

export function samplesOf(invocations: readonly JoinedInvocation[]): Samples {
  const s: Samples = {
    coldInit: [], coldRequestIds: [], coldDuration: [], coldBilled: [], coldMemory: [], coldRoundTrip: [],
    warmDuration: [], warmBilled: [], warmMemory: [], warmRoundTrip: [],
    coldWithoutInit: 0, warmWithInit: 0,
  };
  for (const inv of invocations) {
    if (outcomeOf(inv) !== 'ok' || !inv.report) continue;
    const r = inv.report;
    const hasInit = r.initDurationMs !== undefined;
    if (inv.phase === 'cold') {
      if (!hasInit) {
        s.coldWithoutInit++;
        continue;
      }
      s.coldInit.push(r.initDurationMs as number);
      s.coldRequestIds.push(inv.requestId);
      s.coldDuration.push(r.durationMs);
      s.coldBilled.push(r.billedDurationMs);
      s.coldMemory.push(r.maxMemoryUsedMB);
      s.coldRoundTrip.push(inv.roundTripMs);
    } else {
      if (hasInit) {
        s.warmWithInit++;
        continue;
      }
      s.warmDuration.push(r.durationMs);
      s.warmBilled.push(r.billedDurationMs);
      s.warmMemory.push(r.maxMemoryUsedMB);
      s.warmRoundTrip.push(inv.roundTripMs);
    }
  }
  return s;
}

function firstResponse(invocations: readonly JoinedInvocation[]): JsonValue | null {
  const ok = invocations.filter((inv) => outcomeOf(inv) === 'ok' && inv.response !== undefined);
  return ok.find((inv) => inv.phase === 'cold')?.response ?? ok[0]?.response ?? null;
}

/** The statistics that rest on fewer samples than asked for, and where the missing ones went. */
function sampleShortfalls(run: TargetRun, config: Pick<BenchmarkConfig, 'coldStarts' | 'warmInvocations'>, s: Samples, lostReasons: ColdStats['lostInitDuration']['reasons']): SampleShortfall[] {
  const out: SampleShortfall[] = [];
  const phases = [
    { phase: 'cold' as const, asked: config.coldStarts, n: s.coldInit.length, statistics: 'Init Duration, Duration, Billed Duration, Max Memory Used and round trip of cold starts' },
    { phase: 'warm' as const, asked: config.warmInvocations, n: s.warmDuration.length, statistics: 'Duration, Billed Duration, Max Memory Used and round trip of warm invocations' },
  ];
  for (const p of phases) {
    if (p.n >= p.asked) continue;
    const invocations = run.invocations.filter((inv) => inv.phase === p.phase);
    const failed = invocations.filter((inv) => outcomeOf(inv) !== 'ok').length;
    const parts: string[] = [];
    if (p.phase === 'cold') {
      // Every successful cold invocation without an Init Duration is in exactly one reason group.
      for (const r of lostReasons) if (r.succeeded > 0) parts.push(`${r.succeeded} answered but lost their Init Duration (${r.reason})`);
    } else if (s.warmWithInit > 0) {
      parts.push(`${s.warmWithInit} landed in a new environment`);
    }
    if (failed > 0) parts.push(`${failed} failed`);
    if (invocations.length < p.asked) parts.push(`${p.asked - invocations.length} ${invocations.length === 0 ? 'were' : 'more were'} never run`);
    out.push({ phase: p.phase, statistics: p.statistics, n: p.n, asked: p.asked, why: parts.join(', ') || 'unknown' });
  }
  return out;
}

/** The init file bytes of the cold samples (those with an Init Duration); a sample the service did not see is left out. */
function coldInitFileMB(requestIds: readonly string[], byRequest: { [requestId: string]: number }): Stats | null {
  return summarize(requestIds.map((id) => byRequest[id]).filter((mb): mb is number => typeof mb === 'number'));
}

function targetResults(run: TargetRun, config: BenchmarkConfig): { results: TargetResults; samples: Samples } {
  const s = samplesOf(run.invocations);
  const errorSummary = summarizeErrors(run.invocations);
  const lostInitDuration = summarizeLostInit(coldStartsWithoutInit(run.invocations, outcomeOf));
  const cold: ColdStats = {
    n: s.coldInit.length,
    initMs: summarize(s.coldInit),
    durationMs: summarize(s.coldDuration),
    billedMs: summarize(s.coldBilled),
    maxMemoryMB: summarize(s.coldMemory),
    roundTripMs: summarize(s.coldRoundTrip),
    ...(run.initFileMB ? { initFileMB: coldInitFileMB(s.coldRequestIds, run.initFileMB) } : {}),
    ...(run.initPackageFileMB && Object.keys(run.initPackageFileMB).length > 0 ? { initPackageFileMB: coldInitFileMB(s.coldRequestIds, run.initPackageFileMB) } : {}),
    withoutInitDuration: s.coldWithoutInit,
    lostInitDuration,
  };
  const warm: WarmStats = {
    n: s.warmDuration.length,
    durationMs: summarize(s.warmDuration),
    billedMs: summarize(s.warmBilled),
    maxMemoryMB: summarize(s.warmMemory),
    roundTripMs: summarize(s.warmRoundTrip),
    withInitDuration: s.warmWithInit,
  };
  const { spec } = run;
  return {
    samples: s,
    results: {
      functionName: spec.functionName,
      runtime: spec.runtimeLabel,
      architecture: spec.architecture,
      memorySizeMB: spec.memorySizeMB,
      packageBytes: spec.packageBytes,
      packageLabel: spec.packageLabel,
      coldStartConcurrency: spec.coldStartConcurrency ?? 1,
      ...(spec.ladderTarget ? { ladderTarget: spec.ladderTarget } : {}),
      p50Ci95: {
        coldInitMs: bootstrapCi(s.coldInit, median, { ...config.bootstrap, confidence: 0.95 }),
        warmDurationMs: bootstrapCi(s.warmDuration, median, { ...config.bootstrap, seed: config.bootstrap.seed + 1, confidence: 0.95 }),
      },
      invocations: run.invocations.length,
      errors: errorSummary.reduce((sum, e) => sum + e.count, 0),
      errorSummary,
      runErrors: [...run.runErrors],
      cold,
      warm,
      sampleShortfalls: sampleShortfalls(run, config, s, lostInitDuration.reasons),
      response: firstResponse(run.invocations),
      ...(spec.payload !== undefined ? { payload: spec.payload } : {}),
    },
  };
}

function ratio(
  numerator: readonly number[],
  denominator: readonly number[],
  basis: string,
  bootstrap: { iterations: number; confidence: number; seed: number },
): Ratio {
  if (numerator.length === 0 || denominator.length === 0) {
    return { value: null, ci95: null, numerator: numerator.length ? median(numerator) : null, denominator: denominator.length ? median(denominator) : null, basis };
  }
  const num = median(numerator);
  const den = median(denominator);
  return {
    value: den === 0 ? null : num / den,
    ci95: bootstrapRatioCi(numerator, denominator, median, bootstrap),
    numerator: num,
    denominator: den,
    basis,
  };
}

/** A parity check from the one answer each side gave to the benchmark payload (a smoke check, not the parity test). */
export function parityFromResponses(a: JsonValue | null, b: JsonValue | null): Parity | null {
  const obj = (v: JsonValue | null) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null);
  const x = obj(a);
  const y = obj(b);
  if (!x || !y || typeof x.quality !== 'number' || typeof y.quality !== 'number') {
    return null;
  }
  return {
    maxAbsQualityDiff: Math.abs(x.quality - y.quality),
    identicalLabels:
      x.category === y.category &&
      x.confidence === y.confidence &&
      JSON.stringify(x.top_factors) === JSON.stringify(y.top_factors),
    source: 'the two functions\' answers to the benchmark payload',
    cases: 1,
  };
}

export function aggregate(input: AggregateInput): BenchmarkResults {
  const { run, backend, environment } = input;
  const { config } = run;
  const targets: { [key: string]: TargetResults } = {};
  const samples: { [key: string]: Samples } = {};
  for (const t of run.targets) {
    const { results, samples: s } = targetResults(t, config);
    targets[t.spec.key] = results;
    samples[t.spec.key] = s;
  }

  let predictionModel: BenchmarkResults['predictionModel'];
  if (backend === 'local') {
    let model: FittedModel | null = null;
    if (input.awsModel !== undefined) {
      model = input.awsModel;
      // The reason travels with the choice (e.g. the committed model could not be read): said, not lost.
      if (model === null) predictionModel = { unavailable: input.modelSource?.why ?? 'no model was given to this run' };
    } else {
      try {
        model = loadFittedModel();
      } catch (error) {
        predictionModel = { unavailable: (error as Error).message };
      }
    }
    if (model) {
      predictionModel = modelSummary(
        model,
        input.environment,
        input.modelSource ?? { kind: 'committed', why: input.awsModel !== undefined ? 'given to this run' : 'the committed model (data/calibration/fitted-model.json)' },
        holdoutCheckOf(input.holdoutCheck),
      );
      for (const t of run.targets) targets[t.spec.key].predictedAws = predictTargetAws(targets[t.spec.key], t.spec, model);
    }
  }

  const { numerator: numKey, denominator: denKey } = config.ratio;
  let ratios: BenchmarkResults['ratios'] = null;
  if (targets[numKey] && targets[denKey]) {
    const n = samples[numKey];
    const d = samples[denKey];
    const b = config.bootstrap;
    // Distinct seeds per ratio keep the resamples of different metrics independent, yet reproducible.
    ratios = {
      numerator: numKey,
      denominator: denKey,
      coldStartInitP50: ratio(n.coldInit, d.coldInit, 'p50 of Init Duration (cold starts)', { ...b, seed: b.seed }),
      warmDurationP50: ratio(n.warmDuration, d.warmDuration, 'p50 of Duration (warm invocations)', { ...b, seed: b.seed + 1 }),
      maxMemory: ratio(n.coldMemory, d.coldMemory, 'p50 of Max Memory Used (cold starts)', { ...b, seed: b.seed + 2 }),
      packageSize: {
        value: targets[denKey].packageBytes > 0 ? targets[numKey].packageBytes / targets[denKey].packageBytes : null,
        ci95: null,
        numerator: targets[numKey].packageBytes,
        denominator: targets[denKey].packageBytes,
        basis: 'deployed package bytes (exact, no interval)',
      },
    };
    const pn = targets[numKey].predictedAws;
    const pd = targets[denKey].predictedAws;
    if (pn && pd) {
      ratios.predictedAwsColdStartInitP50 = { x86_64: predictedRatio(pn, pd, 'x86_64'), arm64: predictedRatio(pn, pd, 'arm64') };
    }
  }

  const costInputs: { [key: string]: CostInputs } = {};
  for (const [key, t] of Object.entries(targets)) {
    costInputs[key] = {
      architecture: t.architecture,
      memorySizeMB: t.memorySizeMB,
      initP50Ms: t.cold.initMs?.p50 ?? null,
      coldDurationP50Ms: t.cold.durationMs?.p50 ?? null,
      warmDurationP50Ms: t.warm.durationMs?.p50 ?? null,
    };
  }

  const parity =
    input.parity ?? (targets[numKey] && targets[denKey] ? parityFromResponses(targets[numKey].response, targets[denKey].response) : null);

  return {
    schemaVersion: 1,
    backend,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    aborted: run.aborted,
    config: {
      coldStarts: config.coldStarts,
      warmInvocations: config.warmInvocations,
      payload: config.payload,
      costColdStartShare: config.costColdStartShare,
      bootstrap: { ...config.bootstrap },
    },
    environment,
    targets,
    ratios,
    ...(predictionModel ? { predictionModel } : {}),
    parity,
    cost: costBlock(costInputs, config.costColdStartShare),
  };
}

/** One row per invocation, in run order: the content of invocations.csv and of the distribution charts. */
export function invocationRows(run: Pick<RawBenchmarkRun, 'targets'>): InvocationRow[] {
  const rows: InvocationRow[] = [];
  for (const t of run.targets) {
    const counters: Record<string, number> = { cold: 0, warm: 0 };
    for (const inv of t.invocations) {
      const outcome = outcomeOf(inv);
      const r = inv.report;
      rows.push({
        target: t.spec.key,
        phase: inv.phase,
        index: counters[inv.phase]++,
        requestId: inv.requestId,
        startedAt: inv.startedAt,
        roundTripMs: inv.roundTripMs,
        initMs: r?.initDurationMs ?? null,
        durationMs: r?.durationMs ?? null,
        billedMs: r?.billedDurationMs ?? null,
        maxMemoryMB: r?.maxMemoryUsedMB ?? null,
        status: outcome,
        errorType: outcome === 'ok' ? null : errorTypeOf(inv, outcome),
        initReport: r?.initReports?.length
          ? r.initReports.map((i) => `${i.phase} ${i.status}${i.errorType ? ` ${i.errorType}` : ''} ${i.initDurationMs} ms`).join('; ')
          : null,
      });
    }
  }
  return rows;
}

/** The run's own hold-out check when it made one, else the committed model's; said which. */
function holdoutCheckOf(ofRun: HoldoutSummary | { unavailable: string } | undefined): (HoldoutSummary & { of: 'in-run' | 'committed' }) | { unavailable: string } | null {
  if (ofRun) return 'unavailable' in ofRun ? ofRun : { ...ofRun, of: 'in-run' };
  const committed = loadHoldoutSummary();
  if (!committed) return null;
  return 'unavailable' in committed ? committed : { ...committed, of: 'committed' };
}
