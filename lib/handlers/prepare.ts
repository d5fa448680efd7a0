import { resolveConfig, validateTargets, type BenchmarkConfigInput } from '../benchmark/config';
import type { BenchmarkConfig, TargetSpec } from '../benchmark/types';
import { LIMITS } from '../config/app-config';
import { MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS } from './measure';
import type { RunStore } from './run-store';
import { checkRunName, checkTargetKey, layout } from './run-layout';
import type { PrepareInput, PrepareOutput } from './task-types';
import { LAMBDA_TARGET, S3_CALLS, type AwsCall } from './aws-call';
import { checkCostCeiling } from '../plan/checks';
import type { ProfileName } from '../plan/figures';
import { planRunOfSpecs } from '../plan/from-specs';
import type { RunPlan } from '../plan/run-plan';

/**
 * First Task of a run: settles the configuration (the deployment's defaults, overridden by the
 * execution's input), reads what is actually deployed for each target, and writes both to
 * runs/<run>/raw/run.json before anything is measured.
 */

export interface PrepareDefaults {
  /** The deployment's settings (cdk.json context); the rest comes from the benchmark's defaults. */
  config: BenchmarkConfigInput;
  targets: TargetSpec[];
}

export interface PrepareDeps {
  store: RunStore;
  defaults: PrepareDefaults;
  /**
   * Refuses the run while another run of the same state machine goes first (single-run.ts); absent
   * in the local run, which starts exactly one execution.
   */
  ensureOnlyRun?: (self: { stateMachineArn: string; executionArn: string; startTime: string }) => Promise<void>;
  /**
   * Completes a target from what is deployed: memory, architecture, package size. Absent where the
   * given specs are already complete (the local run).
   */
  describeTarget?: (spec: TargetSpec) => Promise<TargetSpec>;
  /** Which figures the run's plan uses (lib/plan): 'aws' unless the run is local. */
  planProfile?: ProfileName;
  /** A run whose plan may cost more than this (US dollars) is refused before anything is measured (maxRunCostUsd). */
  maxRunCostUsd?: number;
  /** A local run that calibrates itself: its calibration functions and cold starts of each, for the plan. */
  planCalibration?: { functions: number; coldStarts: number };
}

/** The execution's input is not something a run can start from. */
export class ExecutionInputError extends Error {
  constructor(problem: string) {
    super(`execution input: ${problem}`);
    this.name = 'ExecutionInputError';
  }
}

const INPUT_KEYS = ['config', 'trigger', 'targets'];

/** The deployed functions a run measures: all of them, or those the execution's input names ({"targets": ["apr", "pytorch"]}). */
export function chooseTargets(deployed: readonly TargetSpec[], chosen: unknown): TargetSpec[] {
  if (chosen === undefined) return [...deployed];
  const known = deployed.map((t) => t.key);
  if (!Array.isArray(chosen) || chosen.length === 0 || chosen.some((k) => typeof k !== 'string')) {
    throw new ExecutionInputError(`"targets" must be a non-empty list of deployed functions' keys (${known.join(', ')})`);
  }
  const unknown = chosen.filter((k) => !known.includes(k as string));
  if (unknown.length > 0) throw new ExecutionInputError(`"targets" names ${unknown.map((k) => JSON.stringify(k)).join(', ')}, not deployed; deployed: ${known.join(', ')}`);
  return deployed.filter((t) => chosen.includes(t.key));
}
const CONFIG_KEYS: (keyof BenchmarkConfig)[] = [
  'coldStarts',
  'warmInvocations',
  'payload',
  'costColdStartShare',
  'ratio',
  'bootstrap',
  'reportCollection',
  'functionUpdateTimeoutSeconds',
];
const NESTED: (keyof BenchmarkConfig)[] = ['ratio', 'bootstrap', 'reportCollection'];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Defaults first, then the execution's overrides; nested blocks merge field by field. */
export function mergeConfig(defaults: BenchmarkConfigInput, override: unknown): BenchmarkConfig {
  if (override !== undefined && !isObject(override)) {
    throw new ExecutionInputError('"config" must be an object');
  }
  const over = (override ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(over)) {
    if (!(CONFIG_KEYS as string[]).includes(key)) {
      throw new ExecutionInputError(`"config.${key}" is not a setting; known: ${CONFIG_KEYS.join(', ')}`);
    }
  }
  const merged: Record<string, unknown> = { ...defaults, ...over };
  for (const key of NESTED) {
    if (over[key] !== undefined) {
      if (!isObject(over[key])) throw new ExecutionInputError(`"config.${key}" must be an object`);
      merged[key] = { ...((defaults as Record<string, unknown>)[key] as object), ...(over[key] as object) };
    }
  }
  let config: BenchmarkConfig;
  try {
    config = resolveConfig(merged as BenchmarkConfigInput);
  } catch (err) {
    throw new ExecutionInputError((err as Error).message);
  }
  if (config.coldStarts > LIMITS.coldStarts.max) {
    throw new ExecutionInputError(`coldStarts ${config.coldStarts} is above ${LIMITS.coldStarts.max} (the execution history limit)`);
  }
  if (config.warmInvocations > LIMITS.warmInvocations.max) {
    throw new ExecutionInputError(`warmInvocations ${config.warmInvocations} is above ${LIMITS.warmInvocations.max} (one Task invocation sends them all)`);
  }
  if (config.functionUpdateTimeoutSeconds > MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS) {
    throw new ExecutionInputError(
      `functionUpdateTimeoutSeconds ${config.functionUpdateTimeoutSeconds} is above ${MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS} ` +
        '(a forced cold start may wait twice that long, and the ForceColdStart function must finish within its timeout)',
    );
  }
  if (Buffer.byteLength(JSON.stringify(config.payload), 'utf8') > LIMITS.payloadBytes) {
    throw new ExecutionInputError(`payload is larger than ${LIMITS.payloadBytes} bytes (it travels in the state)`);
  }
  return config;
}

export async function prepareRun(input: PrepareInput, deps: PrepareDeps): Promise<PrepareOutput> {
  const run = checkRunName(input.executionName);
  const raw = input.input ?? {};
  if (!isObject(raw)) throw new ExecutionInputError('must be a JSON object, e.g. {} or {"config": {"coldStarts": 5}}');
  for (const key of Object.keys(raw)) {
    if (!INPUT_KEYS.includes(key)) {
      throw new ExecutionInputError(`unknown key "${key}"; allowed: ${INPUT_KEYS.join(', ')}`);
    }
  }
  const config = mergeConfig(deps.defaults.config, raw.config);
  if (deps.ensureOnlyRun) {
    if (typeof input.stateMachineArn !== 'string' || typeof input.executionArn !== 'string') {
      throw new Error('prepare: the state machine must pass stateMachineArn ($$.StateMachine.Id) and executionArn ($$.Execution.Id)');
    }
    await deps.ensureOnlyRun({ stateMachineArn: input.stateMachineArn, executionArn: input.executionArn, startTime: input.startTime });
  }
  if (deps.defaults.targets.length === 0) throw new Error('prepare: no targets configured');
  const seen = new Set<string>();
  const targets: TargetSpec[] = [];
  for (const spec of chooseTargets(deps.defaults.targets, raw.targets)) {
    checkTargetKey(spec.key);
    if (seen.has(spec.key)) throw new Error(`prepare: target key ${JSON.stringify(spec.key)} appears twice`);
    seen.add(spec.key);
    const described = deps.describeTarget ? await deps.describeTarget(spec) : { ...spec };
    // The state machine plans cold-start rounds from this field: it must be present.
    targets.push({ ...described, coldStartConcurrency: described.coldStartConcurrency ?? 1 });
  }
  // The targets come from the deployment, not the execution input: a BenchmarkConfigError names the field.
  validateTargets(targets);
  // The plan before anything is measured: refused here when it may cost more than the ceiling
  // (failure.json then carries the plan's figures), recorded in run.json otherwise.
  const plan = planRunOfSpecs(deps.planProfile ?? 'aws', config, targets, deps.planCalibration);
  checkCostCeiling(plan, deps.maxRunCostUsd, `run ${run}`);
  await deps.store.putJson(layout.runManifest(run), {
    schemaVersion: 1,
    run,
    startedAt: input.startTime,
    config,
    targets,
    plan,
    ...(raw.trigger !== undefined ? { trigger: raw.trigger } : {}),
  });
  return { run, config, targets };
}

/** What runs/<run>/raw/run.json holds. */
export interface RunManifest {
  schemaVersion: 1;
  run: string;
  startedAt: string;
  config: BenchmarkConfig;
  targets: TargetSpec[];
  /** The plan the run started from (lib/plan); absent in runs written before plans existed. */
  plan?: RunPlan;
  trigger?: unknown;
}

/** BENCH_MAX_RUN_COST_USD as Prepare's Lambda function receives it (set only when maxRunCostUsd is). */
export function deployedCostCeiling(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`prepare: BENCH_MAX_RUN_COST_USD must be a positive number of US dollars, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * The deployment's defaults as the Lambda function receives them: the settings from the Task's
 * input (written into the state machine definition), the targets from BENCH_TARGETS.
 */
export function deployedDefaults(input: Pick<PrepareInput, 'defaultConfig'>, targetsJson: string): PrepareDefaults {
  let config: unknown = {};
  if (input.defaultConfig !== undefined) {
    try {
      config = JSON.parse(input.defaultConfig);
    } catch (err) {
      throw new Error(`prepare: "defaultConfig" is not JSON text: ${(err as Error).message}`);
    }
  }
  if (!isObject(config)) throw new Error('prepare: "defaultConfig" must be the JSON text of an object');
  let targets: unknown;
  try {
    targets = JSON.parse(targetsJson);
  } catch (err) {
    throw new Error(`prepare: BENCH_TARGETS is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(targets)) throw new Error('prepare: BENCH_TARGETS must be a JSON array of target specs');
  return { config: config as BenchmarkConfigInput, targets: targets as TargetSpec[] };
}

/** Every AWS request the prepare handler makes (aws-call.ts; checked by lib/audit/iam-simulation.ts). */
export const AWS_CALLS: { [handler: string]: AwsCall[] } = {
  prepare: [
    { call: 'ListExecutionsCommand', action: 'states:ListExecutions', resource: 'arn:{partition}:states:{region}:{account}:stateMachine:{stateMachineName}', note: 'single-run.ts' },
    { call: 'GetFunctionCommand', action: 'lambda:GetFunction', resource: LAMBDA_TARGET, note: 'describe-target.ts' },
    {
      call: 'DescribeImagesCommand',
      action: 'ecr:DescribeImages',
      resource: 'arn:{partition}:ecr:{region}:{account}:repository/{target.repository}',
      imageTargetsOnly: true,
      note: 'describe-target.ts: the image\'s size, which Lambda does not report',
    },
    S3_CALLS.put('raw/run.json'),
  ],
};
