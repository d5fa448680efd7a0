/**
 * The plan of one run, before anything runs: per function its cold starts and warm invocations, the
 * run's duration as a range, its state transitions, and (on AWS) its cost by service with each
 * price's source. Pure arithmetic over the profile's per-step figures (figures.ts), the state
 * machine's own pacing (state-machine-pacing.ts) and the shape of its definition (transitions.ts).
 */
import { PRICES, PRICING_ASSUMPTIONS, priceOf, type Price, type PriceName } from './prices';
import { PROFILES, type Figure, type PacingProfile, type PlanFunction, type ProfileName, type Range } from './figures';
import { reportCollectionRetryWaits, TASK_MEMORY_MB } from './state-machine-pacing';
import { TRANSITION_SHAPE } from './transitions';

export interface RunPlanInput {
  profile: ProfileName;
  functions: readonly PlanFunction[];
  coldStarts: number;
  warmInvocations: number;
  /**
   * A local run that calibrates itself: its calibration functions, the hold-outs measured in the same rounds,
   * and cold starts of each (lib/local-bench/in-run-calibration.ts).
   */
  calibration?: { functions: number; holdouts?: number; coldStarts: number };
}

/**
 * One forced cold start of a calibration function in a local run, s: measured, 12 functions × 10 cold
 * starts took 29-32 s of a default run on 2 cores of an AMD EPYC at a load below 1 (0.24-0.27 s each);
 * Java's three take the most. The range allows a busier machine.
 */
export const CALIBRATION_COLD_START: Figure = {
  range: { low: 0.15, typical: 0.26, high: 0.8 },
  source: 'measured: 12 calibration functions × 10 cold starts took 29-32 s of a default npm run bench (2-core AMD EPYC, load below 1)',
};

export interface FunctionPlan extends PlanFunction {
  coldStarts: number;
  /** Forced cold starts (configuration updates): coldStarts / coldStartConcurrency, rounded up. */
  coldRounds: number;
  warmInvocations: number;
  initMs: Figure;
  warmDurationMs: Figure;
  /** Time from this function's first state to its last, s. */
  seconds: Range;
  /** Of which: the forced cold starts, the warm invocations, collecting the REPORT lines. */
  phases: { cold: Range; warm: Range; collect: Range };
  /** One forced cold start with its invocation, s: what the progress display corrects as cold starts complete. */
  secondsPerColdStart: Range;
}

export interface CostLine {
  service: 'AWS Lambda' | 'AWS Step Functions' | 'Amazon CloudWatch Logs' | 'Amazon S3';
  item: string;
  quantity: Range;
  unit: string;
  price: Price;
  usd: Range;
}

export interface RunCost {
  lines: CostLine[];
  usd: Range;
  assumptions: readonly string[];
}

export interface RunPlan {
  schemaVersion: 1;
  profile: ProfileName;
  coldStarts: number;
  warmInvocations: number;
  functions: FunctionPlan[];
  /** The whole run, Prepare to Done, s. */
  seconds: Range;
  stateTransitions: Range;
  /** What one run costs on AWS; absent for a local run, which costs nothing there. */
  cost?: RunCost;
  /** The per-step figures with their sources, as used. */
  steps: { step: string; figure: Figure }[];
  /** A local run that calibrates itself: how many calibration functions and cold starts of each it adds. */
  calibration?: { functions: number; holdouts?: number; coldStarts: number };
}

// ---- range arithmetic ----

export const range = (low: number, typical: number, high: number): Range => ({ low, typical, high });
const constant = (v: number): Range => range(v, v, v);
export function add(...ranges: Range[]): Range {
  return ranges.reduce((a, b) => range(a.low + b.low, a.typical + b.typical, a.high + b.high), constant(0));
}
export function times(r: Range, k: number): Range {
  return range(r.low * k, r.typical * k, r.high * k);
}
function product(a: Range, b: Range): Range {
  return range(a.low * b.low, a.typical * b.typical, a.high * b.high);
}
function mapRange(r: Range, f: (v: number) => number): Range {
  return range(f(r.low), f(r.typical), f(r.high));
}

/** Seconds of the CollectReports retries' waits: n retries wait the schedule's first n waits. */
function retryWaitSeconds(retries: number): number {
  return reportCollectionRetryWaits()
    .slice(0, Math.round(retries))
    .reduce((a, b) => a + b, 0);
}

function planFunction(p: PacingProfile, fn: PlanFunction, coldStarts: number, warmInvocations: number): FunctionPlan {
  const concurrency = Math.max(1, fn.coldStartConcurrency ?? 1);
  const coldRounds = Math.ceil(coldStarts / concurrency);
  const initMs = p.initMs(fn);
  const warmDurationMs = p.warmDurationMs(fn);
  const perState = p.perState.range;
  // ForceColdStart and InvokeCold, each a state; within a round the environments initialise at once.
  const secondsPerColdStart = add(
    times(perState, TRANSITION_SHAPE.perColdStart),
    p.updateWait.range,
    p.coldInvokeOverhead.range,
    times(initMs.range, 1 / 1000),
    times(warmDurationMs.range, 1 / 1000),
  );
  const cold = add(perState, times(secondsPerColdStart, coldRounds));
  const warm = add(perState, times(add(p.warmRoundTrip.range, times(warmDurationMs.range, 1 / 1000)), warmInvocations));
  const retries = p.collectRetries;
  const collect = add(
    perState,
    product(p.collectAttempt.range, mapRange(retries, (n) => n + 1)),
    mapRange(retries, retryWaitSeconds),
  );
  // PlanColdStarts and TargetMeasured.
  const rest = times(perState, TRANSITION_SHAPE.perTarget - 3);
  return {
    ...fn,
    coldStarts,
    coldRounds,
    warmInvocations,
    initMs,
    warmDurationMs,
    secondsPerColdStart,
    phases: { cold, warm, collect },
    seconds: add(cold, warm, collect, rest),
  };
}

export function planRun(input: RunPlanInput): RunPlan {
  const p = PROFILES[input.profile];
  if (input.functions.length === 0) throw new Error('run plan: no function to plan');
  const functions = input.functions.map((fn) => planFunction(p, fn, input.coldStarts, input.warmInvocations));
  const calibrationColdStarts = input.calibration ? (input.calibration.functions + (input.calibration.holdouts ?? 0)) * input.calibration.coldStarts : 0;
  const seconds = add(
    p.prepare.range,
    times(p.preparePerFunction.range, functions.length),
    // Prepare, MeasureTargets, Aggregate, Done.
    times(p.perState.range, TRANSITION_SHAPE.perRun),
    ...functions.map((f) => f.seconds),
    p.aggregate.range,
    // A local run that calibrates itself measures its calibration functions between the targets' cold starts.
    times(CALIBRATION_COLD_START.range, calibrationColdStarts),
  );
  const rounds = functions.reduce((n, f) => n + f.coldRounds, 0);
  const stateTransitions = add(
    constant(TRANSITION_SHAPE.perRun + functions.length * TRANSITION_SHAPE.perTarget + rounds * TRANSITION_SHAPE.perColdStart),
    times(p.collectRetries, functions.length),
  );
  const plan: RunPlan = {
    schemaVersion: 1,
    profile: input.profile,
    coldStarts: input.coldStarts,
    warmInvocations: input.warmInvocations,
    functions,
    seconds,
    stateTransitions,
    steps: [
      { step: 'Prepare', figure: p.prepare },
      { step: 'Prepare, per function', figure: p.preparePerFunction },
      { step: 'each state (Step Functions)', figure: p.perState },
      { step: 'configuration update (ForceColdStart)', figure: p.updateWait },
      { step: 'cold Invoke round trip (InvokeCold)', figure: p.coldInvokeOverhead },
      { step: 'warm Invoke round trip (InvokeWarm)', figure: p.warmRoundTrip },
      { step: 'one CollectReports attempt', figure: p.collectAttempt },
      { step: 'CollectReports retries (count)', figure: { range: p.collectRetries, source: p.collectRetriesSource } },
      { step: 'Aggregate', figure: p.aggregate },
      ...(input.calibration
        ? [{ step: `calibration in the run: ${input.calibration.functions + (input.calibration.holdouts ?? 0)} functions × ${input.calibration.coldStarts} cold starts, each`, figure: CALIBRATION_COLD_START }]
        : []),
    ],
  };
  if (input.calibration) plan.calibration = { ...input.calibration };
  if (input.profile === 'aws') plan.cost = awsCost(p, functions, stateTransitions);
  return plan;
}

// ---- cost ----

const GB = (mb: number) => mb / 1024;

/**
 * Bytes each kind of log event adds to CloudWatch Logs, our estimates: a function's START, END and
 * REPORT lines (plus INIT_START on a cold start) and whatever its handler prints; a Task function's
 * platform lines and its own few lines; one state of the execution log at level ALL with execution
 * data (entered, scheduled, started, succeeded, exited events, each carrying the state's input or output).
 */
const LOG_BYTES = {
  targetInvocation: range(300, 500, 1500),
  taskInvocation: range(400, 1000, 4000),
  stateTransition: range(2000, 6000, 15000),
};

/** Bytes a run leaves in the results bucket, our estimates from the files' formats. */
const STORED_BYTES = {
  coldRecord: range(1000, 1500, 3000),
  warmRecord: range(300, 500, 1000),
  reportRecord: range(200, 300, 600),
  resultFilesPerRun: range(100_000, 250_000, 600_000),
  csvPerInvocation: range(150, 250, 500),
};

function line(service: CostLine['service'], item: string, priceName: PriceName, quantity: Range): CostLine {
  const price = PRICES[priceName];
  return { service, item, quantity, unit: price.unit, price, usd: mapRange(quantity, (q) => priceOf(priceName, q)) };
}

function awsCost(p: PacingProfile, functions: FunctionPlan[], transitions: Range): RunCost {
  const lines: CostLine[] = [];
  // Benchmarked functions: every cold start bills its INIT and its Duration, rounded up to 1 ms together.
  for (const arch of ['x86_64', 'arm64'] as const) {
    const ofArch = functions.filter((f) => f.architecture === arch);
    if (ofArch.length === 0) continue;
    const gbSeconds = add(
      ...ofArch.map((f) => {
        const coldMs = mapRange(add(f.initMs.range, f.warmDurationMs.range), Math.ceil);
        const warmMs = mapRange(f.warmDurationMs.range, Math.ceil);
        return times(add(times(coldMs, f.coldStarts), times(warmMs, f.warmInvocations)), GB(f.memorySizeMB) / 1000);
      }),
    );
    lines.push(
      line('AWS Lambda', `benchmarked functions on ${arch}: Duration with billed INIT (${ofArch.length} function${ofArch.length === 1 ? '' : 's'})`, arch === 'x86_64' ? 'lambdaX86GbSecond' : 'lambdaArmGbSecond', gbSeconds),
    );
  }
  // The state machine's Task functions (x86_64): their time is the run's time, step by step.
  const rounds = functions.reduce((n, f) => n + f.coldRounds, 0);
  const collectAttempts = times(mapRange(p.collectRetries, (n) => n + 1), functions.length);
  const taskGbSeconds = add(
    times(add(p.prepare.range, times(p.preparePerFunction.range, functions.length)), GB(TASK_MEMORY_MB.prepare)),
    times(add(p.updateWait.range, constant(0.2)), rounds * GB(TASK_MEMORY_MB.forceColdStart)),
    times(add(...functions.map((f) => times(add(p.coldInvokeOverhead.range, times(f.initMs.range, 1 / 1000)), f.coldRounds))), GB(TASK_MEMORY_MB.invokeCold)),
    times(add(...functions.map((f) => f.phases.warm)), GB(TASK_MEMORY_MB.invokeWarm)),
    times(product(p.collectAttempt.range, collectAttempts), GB(TASK_MEMORY_MB.collectReports)),
    times(p.aggregate.range, GB(TASK_MEMORY_MB.aggregate)),
  );
  lines.push(line('AWS Lambda', 'the state machine\'s Task functions (x86_64, 256-1,769 MB)', 'lambdaX86GbSecond', taskGbSeconds));
  const targetInvocations = functions.reduce((n, f) => n + f.coldStarts + f.warmInvocations, 0);
  // Prepare, two per forced cold start, InvokeWarm per function, each CollectReports attempt, Aggregate.
  const taskInvocations = add(constant(2 + 2 * rounds + functions.length), collectAttempts);
  lines.push(line('AWS Lambda', `requests: ${targetInvocations} to the benchmarked functions and the Task invocations`, 'lambdaRequests', add(constant(targetInvocations), taskInvocations)));
  lines.push(line('AWS Step Functions', 'standard workflow state transitions (retries included)', 'stepFunctionsTransitions', transitions));
  const logBytes = add(
    times(LOG_BYTES.targetInvocation, targetInvocations),
    product(LOG_BYTES.taskInvocation, taskInvocations),
    product(LOG_BYTES.stateTransition, transitions),
  );
  lines.push(line('Amazon CloudWatch Logs', 'ingestion: the functions\' REPORT lines, the Task functions\' logs, the execution log (level ALL)', 'logsIngestion', times(logBytes, 1 / 1e9)));
  const coldStarts = functions.reduce((n, f) => n + f.coldStarts, 0);
  const warm = functions.reduce((n, f) => n + f.warmInvocations, 0);
  // run.json, one record per cold invocation, warm.json and reports.json per function (reports.json per
  // attempt), a LIST of cold/ per attempt and in Aggregate, about nine result files.
  const puts = add(constant(1 + coldStarts + functions.length * 2 + 9), times(collectAttempts, 2));
  lines.push(line('Amazon S3', 'PUT and LIST requests (records, result files)', 's3PutRequests', puts));
  // Each CollectReports attempt and Aggregate read every cold record of the function and three more files.
  const gets = add(constant(1 + coldStarts + 3 * functions.length), add(...functions.map((f) => times(mapRange(p.collectRetries, (n) => n + 1), f.coldStarts + 3))));
  lines.push(line('Amazon S3', 'GET requests (records read back)', 's3GetRequests', gets));
  const storedBytes = add(
    times(STORED_BYTES.coldRecord, coldStarts),
    times(STORED_BYTES.warmRecord, warm),
    times(add(STORED_BYTES.reportRecord, STORED_BYTES.csvPerInvocation), coldStarts + warm),
    STORED_BYTES.resultFilesPerRun,
  );
  lines.push(line('Amazon S3', 'storage of the run\'s files for one month', 's3Storage', times(storedBytes, 1 / 1e9)));
  return { lines, usd: add(...lines.map((l) => l.usd)), assumptions: PRICING_ASSUMPTIONS };
}
