import { randomBytes } from 'node:crypto';
import { forceColdStart } from '../benchmark/cold-start';
import { invokeOnce, type LambdaLike } from '../benchmark/invoke';
import { keepFirstResponses } from '../benchmark/records';
import type { InvocationRecord } from '../benchmark/types';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { RunStore } from './run-store';
import { layout } from './run-layout';
import {
  TaskInputError,
  type ForceColdStartInput,
  type ForceColdStartOutput,
  type InvokeColdInput,
  type InvokeOutput,
  type InvokeWarmInput,
  type TargetTaskInput,
} from './task-types';
import { LAMBDA_TARGET, S3_CALLS, type AwsCall } from './aws-call';
// The first poll of the update waiter is part of the state machine's pacing, which the run plan reads too.
import { AWS_UPDATE_POLL_SECONDS } from '../plan/state-machine-pacing';

/**
 * The measuring Tasks: force a cold start, invoke once cold, invoke M times warm. Thin wrappers over
 * lib/benchmark's steps that keep each record in the run store.
 */

/**
 * The ForceColdStart function's timeout. A forced cold start may wait for an update already in
 * progress and then for its own, each bounded by functionUpdateTimeoutSeconds, so that setting may
 * be at most half of what remains after a margin for the calls themselves.
 */
export const FORCE_COLD_START_TIMEOUT_SECONDS = 300;
export const MAX_FUNCTION_UPDATE_TIMEOUT_SECONDS = Math.floor((FORCE_COLD_START_TIMEOUT_SECONDS - 30) / 2);

/** A target stops after this many failed Invoke calls in a row (function missing, throttled past every retry). */
export const MAX_CONSECUTIVE_API_ERRORS = 5;

/** Named so that the state machine and the report can tell it apart from the function's own failures. */
export class InvokeFailuresError extends Error {
  constructor(count: number, last: InvocationRecord) {
    super(`stopped after ${count} Invoke failures in a row (last: ${last.errorType}: ${last.errorMessage})`);
    this.name = 'InvokeFailuresError';
  }
}

/** A cold invocation as stored: the record, and how long the configuration update took before it. */
export interface StoredColdInvocation {
  record: InvocationRecord;
  updateWaitMs: number;
}

export interface StoredWarmInvocations {
  records: InvocationRecord[];
}

export function checkTargetInput(task: string, input: TargetTaskInput): void {
  if (typeof input?.run !== 'string') throw new TaskInputError(task, '"run" must be the run name');
  if (typeof input.target?.functionName !== 'string' || typeof input.target?.key !== 'string') {
    throw new TaskInputError(task, '"target" must be a target spec with key and functionName');
  }
  if (typeof input.config?.coldStarts !== 'number') throw new TaskInputError(task, '"config" must be the resolved benchmark config');
}

function checkIndex(task: string, index: unknown): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 1) {
    throw new TaskInputError(task, `"index" must be a positive integer, got ${JSON.stringify(index)}`);
  }
  return index;
}

export interface ForceColdStartDeps {
  lambda: LambdaClient;
  /** First poll delay while waiting for the update, s; 1 on AWS, less for the local service. */
  updatePollSeconds?: number;
}

export async function forceColdStartTask(input: ForceColdStartInput, deps: ForceColdStartDeps): Promise<ForceColdStartOutput> {
  checkTargetInput('ForceColdStart', input);
  const index = checkIndex('ForceColdStart', input.index);
  // Unique even when the state retries after an update that went through: the same marker twice
  // would not retire the environment.
  const marker = `${input.run}-${input.target.key}-${index}-${randomBytes(3).toString('hex')}`;
  const forced = await forceColdStart(deps.lambda, input.target.functionName, marker, {
    maxWaitSeconds: input.config.functionUpdateTimeoutSeconds,
    minDelaySeconds: deps.updatePollSeconds ?? AWS_UPDATE_POLL_SECONDS,
  });
  return { marker: forced.marker, updateWaitMs: forced.updateWaitMs };
}

export interface InvokeDeps {
  lambda: LambdaLike;
  store: RunStore;
  /** Called after every invocation (progress display of the local run). */
  onInvocation?: (record: InvocationRecord, index: number, total: number) => void;
}

function summary(records: readonly InvocationRecord[]): InvokeOutput {
  return {
    invocations: records.length,
    apiErrors: records.filter((r) => r.apiError).length,
    functionErrors: records.filter((r) => r.functionError).length,
  };
}

/** The invocation numbers one forced cold start serves: index .. index + C - 1, not beyond coldStarts. */
export function coldRound(index: number, concurrency: number, coldStarts: number): number[] {
  const last = Math.min(coldStarts, index + Math.max(1, concurrency) - 1);
  const out: number[] = [];
  for (let i = index; i <= last; i++) out.push(i);
  return out;
}

export async function invokeColdTask(input: InvokeColdInput, deps: InvokeDeps): Promise<InvokeOutput> {
  checkTargetInput('InvokeCold', input);
  const index = checkIndex('InvokeCold', input.index);
  if (typeof input.forced?.marker !== 'string') throw new TaskInputError('InvokeCold', '"forced" must be the ForceColdStart result');
  const { run, target, config } = input;
  const round = coldRound(index, target.coldStartConcurrency ?? 1, config.coldStarts);
  if (round.length === 0) throw new TaskInputError('InvokeCold', `"index" ${index} is beyond coldStarts (${config.coldStarts})`);
  // All invocations of a round are sent at once, so that each finds every environment busy
  // initialising and Lambda (or the local service) starts a new one for it.
  const settled = await Promise.allSettled(round.map(() => invokeOnce(deps.lambda, target.functionName, target.payload ?? config.payload, 'cold')));
  // Every invocation that came back is kept, also when another of the round could not be recorded.
  const records: InvocationRecord[] = [];
  for (const [k, outcome] of settled.entries()) {
    if (outcome.status === 'rejected') continue;
    const record = outcome.value;
    record.coldStartMarker = input.forced.marker;
    const stored: StoredColdInvocation = { record, updateWaitMs: input.forced.updateWaitMs };
    await deps.store.putJson(layout.cold(run, target.key, round[k]), stored);
    deps.onInvocation?.(record, round[k] - 1, config.coldStarts);
    records.push(record);
  }
  const failed = settled.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
  const last = records[records.length - 1];
  if (last.apiError && round[round.length - 1] >= MAX_CONSECUTIVE_API_ERRORS) {
    // Earlier rounds were separate Task invocations: look back at what they stored.
    let streak = 0;
    for (let i = round[round.length - 1]; i > round[round.length - 1] - MAX_CONSECUTIVE_API_ERRORS; i--) {
      const k = round.indexOf(i);
      const record = k >= 0 ? records[k] : (await deps.store.getJson<StoredColdInvocation>(layout.cold(run, target.key, i)))?.record;
      if (!record?.apiError) break;
      streak++;
    }
    if (streak >= MAX_CONSECUTIVE_API_ERRORS) throw new InvokeFailuresError(streak, last);
  }
  return summary(records);
}

export async function invokeWarmTask(input: InvokeWarmInput, deps: InvokeDeps): Promise<InvokeOutput> {
  checkTargetInput('InvokeWarm', input);
  const { run, target, config } = input;
  const records: InvocationRecord[] = [];
  let streak = 0;
  let stop: Error | undefined;
  for (let i = 0; i < config.warmInvocations; i++) {
    const record = await invokeOnce(deps.lambda, target.functionName, target.payload ?? config.payload, 'warm');
    records.push(record);
    deps.onInvocation?.(record, i, config.warmInvocations);
    streak = record.apiError ? streak + 1 : 0;
    if (streak >= MAX_CONSECUTIVE_API_ERRORS) {
      stop = new InvokeFailuresError(streak, record);
      break;
    }
  }
  // Written before any stop is reported: what was measured is kept either way.
  const stored: StoredWarmInvocations = { records: keepFirstResponses(records) };
  await deps.store.putJson(layout.warm(run, target.key), stored);
  if (stop) throw stop;
  return summary(records);
}

/** Every invocation of a target stored so far, cold ones in order, then the warm ones. */
export async function loadInvocations(store: RunStore, run: string, target: string): Promise<{ cold: StoredColdInvocation[]; warm: InvocationRecord[] }> {
  const coldKeys = await store.list(layout.coldPrefix(run, target));
  const cold: StoredColdInvocation[] = [];
  for (const key of coldKeys) {
    const item = await store.getJson<StoredColdInvocation>(key);
    if (item) cold.push(item);
  }
  const warm = (await store.getJson<StoredWarmInvocations>(layout.warm(run, target)))?.records ?? [];
  return { cold, warm };
}

const INVOKE: AwsCall = { call: 'InvokeCommand', action: 'lambda:InvokeFunction', resource: LAMBDA_TARGET, note: 'lib/benchmark/invoke.ts' };

/** Every AWS request the measuring handlers make (aws-call.ts; checked by lib/audit/iam-simulation.ts). */
export const AWS_CALLS: { [handler: string]: AwsCall[] } = {
  forceColdStart: [
    {
      call: 'GetFunctionConfigurationCommand',
      action: 'lambda:GetFunctionConfiguration',
      resource: LAMBDA_TARGET,
      note: 'lib/benchmark/cold-start.ts; waitUntilFunctionUpdated polls with the same call',
    },
    { call: 'UpdateFunctionConfigurationCommand', action: 'lambda:UpdateFunctionConfiguration', resource: LAMBDA_TARGET, note: 'lib/benchmark/cold-start.ts' },
  ],
  invokeCold: [
    INVOKE,
    S3_CALLS.putTarget('cold/0001.json'),
    S3_CALLS.getTarget('cold/0001.json'),
    S3_CALLS.missingKeyCheck('an earlier round\'s record (an invocation that failed stored none)'),
  ],
  invokeWarm: [INVOKE, S3_CALLS.putTarget('warm.json')],
};
