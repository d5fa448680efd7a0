/**
 * The per-step figures a run plan is computed from, each with where it comes from. Two profiles: AWS
 * (the deployed state machine) and local (`npm run bench`, the same state machine on this machine).
 * A range is low / typical / high; the plan's duration and cost ranges add these up.
 *
 * Where no one has measured a figure, it is our estimate and says so; each run records what it
 * measured (Init Duration per cold start, the configuration update's wait as updateWaitMs beside each
 * cold record in raw/<target>/cold/), and report.md sets the planned duration beside the measured one.
 */
import { TARGET_KEYS, type TargetArchitecture, type TargetKey } from '../targets/registry';
import { AWS_UPDATE_POLL_SECONDS, LOCAL_UPDATE_POLL_SECONDS } from './state-machine-pacing';

export interface Range {
  low: number;
  typical: number;
  high: number;
}

export interface Figure {
  /** Seconds, unless the name says otherwise. */
  range: Range;
  source: string;
}

export type ProfileName = 'aws' | 'local';

/** What a plan needs to know of one function under test. */
export interface PlanFunction {
  key: string;
  /** The registry target it measures; undefined for a function the registry does not know (a target file). */
  targetKey?: TargetKey;
  packageType: 'Zip' | 'Image';
  architecture: TargetArchitecture;
  memorySizeMB: number;
  /** Environments started per forced cold start (1 unless configured). */
  coldStartConcurrency?: number;
}

export interface PacingProfile {
  name: ProfileName;
  /** Prepare: its Task function's own start, then reading each deployed function. */
  prepare: Figure;
  /** Each further function Prepare reads (GetFunction, and ECR for an image). */
  preparePerFunction: Figure;
  /** Step Functions' own time between one state and the next, per state entered. */
  perState: Figure;
  /** ForceColdStart: GetFunctionConfiguration, UpdateFunctionConfiguration, then waiting until Lambda reports the update Successful. */
  updateWait: Figure;
  /** InvokeCold's round trip around the function's own Init and Duration (the Invoke call, the record's write). */
  coldInvokeOverhead: Figure;
  /** Round trip of one warm Invoke from the InvokeWarm Task, around the function's Duration. */
  warmRoundTrip: Figure;
  /** CollectReports, one attempt (FilterLogEvents pages and the run store's records). */
  collectAttempt: Figure;
  /** CloudWatch Logs' delivery delay, as retries of CollectReports (REPORT_COLLECTION_RETRY's schedule). */
  collectRetries: Range;
  collectRetriesSource: string;
  /** Aggregate: statistics with a 10,000-iteration bootstrap, result files. */
  aggregate: Figure;
  /** Init Duration of one cold start of a function, ms. */
  initMs(fn: PlanFunction): Figure;
  /** Duration of one warm invocation, ms. */
  warmDurationMs(fn: PlanFunction): Figure;
}

/** The registry target a function key measures: 'numpy-arm64' → numpy, 'apr-runtime-crate-512' → apr-runtime-crate. */
export function targetKeyOf(key: string): TargetKey | undefined {
  const matches = TARGET_KEYS.filter((t) => key === t || key.startsWith(`${t}-`));
  // The longest match: 'apr-runtime-crate' over 'apr'.
  return matches.sort((a, b) => b.length - a.length)[0];
}

const r = (low: number, typical: number, high: number): Range => ({ low, typical, high });

// ---- AWS ----

const LAMBDA_PERF = 'lambda-perf, data/lambda-perf/ (about 500 forced cold starts per cell on AWS, 2026-07-01 to 08-22), hello world p50';
const MODEL = 'this project\'s model of AWS Init Duration from a local run (README, "What a local run shows", 2026-12-07)';

/** lambda-perf's hello-world Init Duration p50 (ms), 128 MB zip (512 MB image): the floor a runtime starts from on AWS. */
const HELLO_WORLD_P50_MS: Record<string, Record<TargetArchitecture, number>> = {
  'provided.al2023': { x86_64: 15.92, arm64: 13.84 },
  'python3.11': { x86_64: 78.31, arm64: 72.81 },
  'nodejs22.x': { x86_64: 141.25, arm64: 127.86 },
  'python3.11 image': { x86_64: 145.79, arm64: 120.31 },
};

/** The model's predicted AWS Init Duration on x86_64 (ms), README's ladder table; the reference benchmark's figure for PyTorch is higher. */
const PREDICTED_X86_MS: Record<TargetKey, number> = {
  apr: 11.7,
  'apr-runtime-crate': 14.2,
  node: 150.3,
  python: 96.4,
  numpy: 154.4,
  onnx: 211.9,
  pytorch: 1204,
};

const RUNTIME_OF: Record<TargetKey, keyof typeof HELLO_WORLD_P50_MS> = {
  apr: 'provided.al2023',
  'apr-runtime-crate': 'provided.al2023',
  node: 'nodejs22.x',
  python: 'python3.11',
  numpy: 'python3.11',
  onnx: 'python3.11',
  pytorch: 'python3.11 image',
};

/** The reference benchmark's one PyTorch cold start on AWS (torch 2.1 image, 512 MB). */
const PYTORCH_PUBLISHED_MS = 3935.59;

/** Lambda stops an INIT at 10 s (and runs it again inside the first invocation): no cold start's INIT bills longer. */
export const INIT_LIMIT_MS = 10_000;

function awsInit(fn: PlanFunction): Figure {
  const target = fn.targetKey;
  if (!target) {
    // A function the registry does not know: lambda-perf's image or zip runtimes span these.
    return fn.packageType === 'Image'
      ? { range: r(150, 1000, INIT_LIMIT_MS), source: 'no figure for this function: a container image between lambda-perf\'s hello worlds (about 150 ms) and Lambda\'s 10 s INIT limit' }
      : { range: r(15, 300, 2000), source: 'no figure for this function: a zip function between lambda-perf\'s Rust hello world (16 ms) and a heavy interpreter start' };
  }
  const floor = HELLO_WORLD_P50_MS[RUNTIME_OF[target]][fn.architecture];
  const x86Floor = HELLO_WORLD_P50_MS[RUNTIME_OF[target]].x86_64;
  // arm64 scaled by the runtime's own arm64/x86_64 ratio on lambda-perf.
  const predicted = PREDICTED_X86_MS[target] * (floor / x86Floor);
  if (target === 'pytorch') {
    return {
      range: r(predicted, PYTORCH_PUBLISHED_MS, INIT_LIMIT_MS),
      source: `low: ${MODEL}; typical: the reference benchmark's one AWS cold start (3,935.59 ms, torch 2.1 image); high: Lambda's 10 s INIT limit`,
    };
  }
  const typical = Math.max(floor, predicted);
  return {
    range: r(floor, typical, 2 * typical),
    source: `low: ${LAMBDA_PERF} for ${RUNTIME_OF[target]} ${fn.architecture}; typical: the higher of that and ${MODEL}; high: twice typical (lambda-perf's bad days read up to 1.6× the usual p50)`,
  };
}

function awsWarm(fn: PlanFunction): Figure {
  if (fn.targetKey === 'apr' || fn.targetKey === 'apr-runtime-crate') return { range: r(0.5, 1, 3), source: 'the reference benchmark: .apr warm Duration 0.86 ms at 128 MB' };
  if (fn.targetKey === 'pytorch') return { range: r(1, 2, 10), source: 'the reference benchmark: PyTorch warm Duration 1.58 ms at 512 MB' };
  return { range: r(1, 5, 30), source: 'our estimate: an interpreted handler at 128 MB runs with about 7 % of a vCPU' };
}

export const AWS_PROFILE: PacingProfile = {
  name: 'aws',
  prepare: { range: r(0.5, 1.5, 4), source: 'our estimate: a Node.js Task function\'s cold start (lambda-perf nodejs22.x zip p50 141 ms) with the SDK clients, ListExecutions and run.json\'s write' },
  preparePerFunction: { range: r(0.05, 0.15, 0.5), source: 'our estimate: one GetFunction (and DescribeImages for an image) in the region' },
  perState: { range: r(0.02, 0.05, 0.2), source: 'our estimate: Step Functions\' scheduling between states, and a warm Task function\'s Invoke' },
  updateWait: {
    range: r(AWS_UPDATE_POLL_SECONDS, 3, 10),
    source:
      `low: the update waiter's first check after ${AWS_UPDATE_POLL_SECONDS} s (lib/handlers/measure.ts); typical: our estimate; high: lambda-perf's fixed 10 s pause after each UpdateFunctionConfiguration ` +
      '(github.com/maxday/lambda-perf, function-invoker/app.js, DELAY = 10000); each cold record stores the measured wait (updateWaitMs)',
  },
  coldInvokeOverhead: { range: r(0.03, 0.1, 0.5), source: 'our estimate: the Invoke round trip in the region and the record\'s PutObject' },
  warmRoundTrip: { range: r(0.008, 0.015, 0.04), source: 'our estimate: a synchronous Invoke between two functions in one region, REPORT not waited for' },
  collectAttempt: { range: r(0.3, 1, 3), source: 'our estimate: FilterLogEvents pages and the run store\'s GETs for one target' },
  collectRetries: r(0, 1, 3),
  collectRetriesSource:
    'CloudWatch Logs delivers REPORT lines seconds to minutes late: none to three retries of CollectReports (REPORT_COLLECTION_RETRY: 5 s, ×1.5, at most 60 s); the schedule\'s end, all ten retries, adds about 5.7 min to a target',
  aggregate: { range: r(2, 5, 15), source: 'our estimate: a 1,769 MB Task function\'s cold start, every record\'s GET, a 10,000-iteration bootstrap, the result files\' PUTs' },
  initMs: awsInit,
  warmDurationMs: awsWarm,
};

// ---- local ----

/** Init Duration measured by `npm run bench` on this project's development machine (README's ladder table, 2026-12-07, load about 1). */
const LOCAL_INIT_MS: Record<TargetKey, number> = {
  apr: 1.21,
  'apr-runtime-crate': 1.62,
  node: 43.4,
  python: 43.9,
  numpy: 83.7,
  onnx: 117.3,
  pytorch: 794,
};

function localInit(fn: PlanFunction): Figure {
  if (!fn.targetKey) return { range: r(1, 100, INIT_LIMIT_MS), source: 'no figure for this function: a local init between a static binary\'s and the 10 s limit' };
  const measured = LOCAL_INIT_MS[fn.targetKey];
  return {
    range: r(measured * 0.7, measured, measured * 2),
    source: 'README\'s ladder table (npm run bench, 2 cores of an Intel Xeon, load about 1); low 0.7×, high 2× for another machine or load',
  };
}

export const LOCAL_PROFILE: PacingProfile = {
  name: 'local',
  prepare: { range: r(0.01, 0.05, 0.5), source: 'in-process Task handler, files on local disk' },
  preparePerFunction: { range: r(0, 0.001, 0.01), source: 'the local run passes complete target specs: nothing to read' },
  perState: { range: r(0.001, 0.005, 0.03), source: 'aws-local-stepfunctions in this process' },
  updateWait: {
    range: r(LOCAL_UPDATE_POLL_SECONDS, LOCAL_UPDATE_POLL_SECONDS * 2, 0.5),
    source: `the local service applies an update at once; the waiter's first check after ${LOCAL_UPDATE_POLL_SECONDS} s (lib/plan/state-machine-pacing.ts)`,
  },
  coldInvokeOverhead: { range: r(0.005, 0.02, 0.2), source: 'a local HTTP round trip, a runtime process started, the record\'s write' },
  warmRoundTrip: { range: r(0.0005, 0.002, 0.01), source: 'a local HTTP round trip' },
  collectAttempt: { range: r(0.01, 0.05, 0.5), source: 'the local service serves FilterLogEvents from memory' },
  collectRetries: r(0, 0, 0),
  collectRetriesSource: 'the local service writes REPORT lines as it goes: the first CollectReports finds them all',
  aggregate: { range: r(0.5, 2, 8), source: 'a 10,000-iteration bootstrap and the result files on this machine' },
  initMs: localInit,
  warmDurationMs: (fn) =>
    fn.targetKey === 'pytorch' || fn.targetKey === 'apr' || fn.targetKey === 'apr-runtime-crate'
      ? { range: r(0.1, 0.5, 3), source: 'README: warm Duration 0.18 ms (.apr), 0.47 ms (PyTorch) here' }
      : { range: r(0.5, 3, 20), source: 'our estimate: an interpreted handler under a 128 MB CPU quota' },
};

export const PROFILES: Record<ProfileName, PacingProfile> = { aws: AWS_PROFILE, local: LOCAL_PROFILE };
