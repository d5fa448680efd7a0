import { REFERENCE_PAYLOAD } from './reference-payload';
import type { BenchmarkConfig, JsonObject, TargetSpec } from './types';

/** A benchmark setting that cannot be used, named with the field at fault. */
export class BenchmarkConfigError extends Error {
  constructor(field: string, problem: string) {
    super(`benchmark config: ${field} ${problem}`);
    this.name = 'BenchmarkConfigError';
  }
}

/**
 * Environments a forced cold start may initialise at once. Lambda's unreserved concurrency is far
 * higher; the local service gives a function at most 10 environments, and beyond a few the
 * environments would compete for the machine instead of measuring their inits.
 */
export const MAX_COLD_START_CONCURRENCY = 10;

export const DEFAULT_CONFIG: Readonly<BenchmarkConfig> = Object.freeze({
  coldStarts: 30,
  warmInvocations: 100,
  payload: { ...REFERENCE_PAYLOAD },
  // One invocation in a hundred starting a new environment: a moderate, steady traffic shape.
  costColdStartShare: 0.01,
  ratio: { numerator: 'pytorch', denominator: 'apr' },
  bootstrap: { iterations: 10_000, confidence: 0.95, seed: 20240601 },
  // CloudWatch Logs usually delivers within seconds; minutes happen. The local service is immediate.
  reportCollection: { deadlineMs: 180_000, pollIntervalMs: 5_000 },
  functionUpdateTimeoutSeconds: 120,
});

export type BenchmarkConfigInput = Partial<
  Omit<BenchmarkConfig, 'ratio' | 'bootstrap' | 'reportCollection'>
> & {
  ratio?: Partial<BenchmarkConfig['ratio']>;
  bootstrap?: Partial<BenchmarkConfig['bootstrap']>;
  reportCollection?: Partial<BenchmarkConfig['reportCollection']>;
};

function integerAtLeast(field: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new BenchmarkConfigError(field, `must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function numberInRange(field: string, value: number, min: number, max: number, openMin = false): number {
  const tooLow = openMin ? value <= min : value < min;
  if (typeof value !== 'number' || !Number.isFinite(value) || tooLow || value > max) {
    const range = `${openMin ? '(' : '['}${min}, ${max}]`;
    throw new BenchmarkConfigError(field, `must be a number in ${range}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nonEmptyString(field: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new BenchmarkConfigError(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Fills defaults and validates. Called at the edges (CLI flags, state machine input); the steps
 * below trust what they receive.
 */
export function resolveConfig(input: BenchmarkConfigInput = {}): BenchmarkConfig {
  const d = DEFAULT_CONFIG;
  const payload = input.payload ?? d.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BenchmarkConfigError('payload', 'must be a JSON object');
  }
  const ratio = { ...d.ratio, ...input.ratio };
  const bootstrap = { ...d.bootstrap, ...input.bootstrap };
  const reportCollection = { ...d.reportCollection, ...input.reportCollection };
  const config: BenchmarkConfig = {
    coldStarts: integerAtLeast('coldStarts', input.coldStarts ?? d.coldStarts, 1),
    warmInvocations: integerAtLeast('warmInvocations', input.warmInvocations ?? d.warmInvocations, 0),
    payload: JSON.parse(JSON.stringify(payload)) as JsonObject,
    costColdStartShare: numberInRange('costColdStartShare', input.costColdStartShare ?? d.costColdStartShare, 0, 1),
    ratio: {
      numerator: nonEmptyString('ratio.numerator', ratio.numerator),
      denominator: nonEmptyString('ratio.denominator', ratio.denominator),
    },
    bootstrap: {
      iterations: integerAtLeast('bootstrap.iterations', bootstrap.iterations, 100),
      confidence: numberInRange('bootstrap.confidence', bootstrap.confidence, 0, 1, true),
      seed: integerAtLeast('bootstrap.seed', bootstrap.seed, 0),
    },
    reportCollection: {
      deadlineMs: integerAtLeast('reportCollection.deadlineMs', reportCollection.deadlineMs, 0),
      pollIntervalMs: integerAtLeast('reportCollection.pollIntervalMs', reportCollection.pollIntervalMs, 1),
    },
    functionUpdateTimeoutSeconds: integerAtLeast(
      'functionUpdateTimeoutSeconds',
      input.functionUpdateTimeoutSeconds ?? d.functionUpdateTimeoutSeconds,
      2,
    ),
  };
  if (config.bootstrap.confidence >= 1) {
    throw new BenchmarkConfigError('bootstrap.confidence', 'must be below 1');
  }
  if (JSON.stringify(config.payload).length > 256 * 1024) {
    throw new BenchmarkConfigError('payload', 'is larger than 256 KB (the synchronous Invoke limit is 6 MB, but the state machine passes it as state)');
  }
  return config;
}

/** Checks the functions under test before anything is invoked; throws naming the target and field. */
export function validateTargets(targets: readonly TargetSpec[]): void {
  if (!Array.isArray(targets) || targets.length === 0) {
    throw new BenchmarkConfigError('targets', 'must list at least one function');
  }
  const keys = new Set<string>();
  targets.forEach((t, i) => {
    const where = `targets[${i}]${typeof t?.key === 'string' ? ` (${t.key})` : ''}`;
    if (typeof t?.key !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(t.key)) {
      throw new BenchmarkConfigError(`${where}.key`, 'must be letters, digits, "_" or "-"');
    }
    if (keys.has(t.key)) {
      throw new BenchmarkConfigError(`${where}.key`, 'appears twice');
    }
    keys.add(t.key);
    nonEmptyString(`${where}.functionName`, t.functionName);
    nonEmptyString(`${where}.logGroupName`, t.logGroupName);
    nonEmptyString(`${where}.runtimeLabel`, t.runtimeLabel);
    if (typeof t.packageLabel !== 'string') {
      throw new BenchmarkConfigError(`${where}.packageLabel`, 'must be a string');
    }
    // Lambda's own bounds on memory.
    integerAtLeast(`${where}.memorySizeMB`, t.memorySizeMB, 128);
    if (t.memorySizeMB > 10_240) {
      throw new BenchmarkConfigError(`${where}.memorySizeMB`, `must be at most 10240, got ${t.memorySizeMB}`);
    }
    if (t.architecture !== 'x86_64' && t.architecture !== 'arm64') {
      throw new BenchmarkConfigError(`${where}.architecture`, `must be "x86_64" or "arm64", got ${JSON.stringify(t.architecture)}`);
    }
    integerAtLeast(`${where}.packageBytes`, t.packageBytes, 0);
    if (t.coldStartConcurrency !== undefined) {
      integerAtLeast(`${where}.coldStartConcurrency`, t.coldStartConcurrency, 1);
      if (t.coldStartConcurrency > MAX_COLD_START_CONCURRENCY) {
        throw new BenchmarkConfigError(`${where}.coldStartConcurrency`, `must be at most ${MAX_COLD_START_CONCURRENCY}, got ${t.coldStartConcurrency}`);
      }
    }
    if (t.packageType !== undefined && t.packageType !== 'Zip' && t.packageType !== 'Image') {
      throw new BenchmarkConfigError(`${where}.packageType`, `must be "Zip" or "Image", got ${JSON.stringify(t.packageType)}`);
    }
    if (t.payload !== undefined && JSON.stringify(t.payload).length > 256 * 1024) {
      throw new BenchmarkConfigError(`${where}.payload`, 'is larger than 256 KB (the state machine passes it as state)');
    }
    if (t.logFormat !== undefined && t.logFormat !== 'Text' && t.logFormat !== 'JSON') {
      throw new BenchmarkConfigError(`${where}.logFormat`, `must be "Text" or "JSON", got ${JSON.stringify(t.logFormat)}`);
    }
  });
}
