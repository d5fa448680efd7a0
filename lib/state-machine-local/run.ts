import type { AggregateDeps } from '../handlers/aggregate';
import './polyfill';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ExecutionError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { BenchmarkConfigInput } from '../benchmark/config';
import type { EnvironmentManifest, Parity, ProgressEvent, TargetSpec } from '../benchmark/types';
import { STATE_NAMES } from '../constructs/benchmark-state-machine';
import type { FailureRecord } from '../handlers/record-failure';
import { layout } from '../handlers/run-layout';
import type { AggregateOutput, CollectReportsOutput } from '../handlers/task-types';
import { bindTasks, extractStateMachine, LOCAL_ACCOUNT, type AslDefinition, type CfnTemplate } from './definition';
import type { FileWriteError } from '../util/file-write-error';
import { createLocalTaskHandlers } from './local-handlers';
import { LOCAL_UPDATE_POLL_SECONDS } from '../plan/state-machine-pacing';

/**
 * Executes the synthesized benchmark state machine on this machine: aws-local-stepfunctions
 * interprets the very definition CloudFormation would receive, and every Task state is bound to the
 * handler its Lambda function runs in AWS (lib/handlers), talking to a local Lambda/Logs endpoint
 * and writing to a directory instead of the results bucket. Every CI run that uses it proves the
 * deployed state machine's flow: retries, catches, the failure path, the data passed between states.
 *
 * What differs from AWS, on purpose: Task functions run in this process (no Lambda in between, so
 * no Lambda.* service errors to retry), and Task timeouts are enforced by the interpreter.
 */

export type LocalRunProgress =
  | ProgressEvent
  | { type: 'state'; state: string }
  | { type: 'retry'; state: string; attempt: number; error: string };

export interface LocalRunOptions {
  /** The synthesized template (object or path to the .template.json). */
  template: CfnTemplate | string;
  /** The local Lambda service's endpoint, e.g. http://127.0.0.1:PORT. */
  lambdaEndpoint: string;
  /** CloudWatch Logs endpoint; the local Lambda service serves both, so the same by default. */
  logsEndpoint?: string;
  region?: string;
  /** Results go to <outDir>/runs/<execution name>/. */
  outDir: string;
  /** The functions under test, as the local service knows them. */
  targets: TargetSpec[];
  /** What Prepare starts from, as cdk.json gives the deployed state machine; default: the benchmark's defaults. */
  defaults?: BenchmarkConfigInput;
  /** The execution's input, e.g. {"config": {"coldStarts": 5}}. */
  input?: Record<string, unknown>;
  /** Default: local-<UTC time>-<random>. */
  executionName?: string;
  /** Recorded in results.json (machine, tools, whether limits were applied). */
  environment?: EnvironmentManifest;
  /** A parity check done before the run, recorded in results.json. */
  parity?: Parity;
  onProgress?: (event: LocalRunProgress) => void;
  /** Milliseconds to wait before each retry of a state, instead of its Retry settings (tests). */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** First poll delay while a function's configuration update is in progress, s. Default 0.05. */
  updatePollSeconds?: number;
  /** Stops the execution; from then on no Task sends a request or writes a file (see local-handlers.ts). */
  signal?: AbortSignal;
  /**
   * Awaited before each Task's handler runs, with the handler's name (e.g. `invokeCold`). The bench
   * uses it to hold a run at a given step in its interruption tests; a rejection fails the Task.
   */
  beforeTask?: (handler: string) => Promise<void>;
  /**
   * Local runs: the file bytes each cold start's INIT brought in, MB, by request id, for a function
   * (lib/local-lambda/init-footprint.ts, read in-process from the service): the AWS model's second input.
   */
  initFileMB?: (functionName: string) => { [requestId: string]: number };
  /** The model that predicts AWS and why that one, asked for when Aggregate runs (lib/handlers/aggregate.ts). */
  awsModel?: AggregateDeps['awsModel'];
  /** A run that calibrates itself: what its plan adds for the calibration (lib/plan). */
  planCalibration?: { functions: number; coldStarts: number };
  /** Local runs: of it, the MB mapped from the function's own package, by request id. */
  initPackageFileMB?: (functionName: string) => { [requestId: string]: number };
}

export interface LocalRunResult {
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  /** <outDir>/runs/<execution name>/ */
  resultsDir: string;
  /** The execution's output when it succeeded. */
  output?: AggregateOutput;
  /** Error and cause of a failed execution. */
  error?: { error: string; cause: string };
  /** failure.json, when the run recorded one. */
  failure?: FailureRecord;
  /**
   * The first write of the run store or the result files that failed (no space, read-only, ...). When
   * set, the files under resultsDir are not a whole run, whatever the status says.
   */
  writeFailure?: FileWriteError;
  startedAt: string;
  finishedAt: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function defaultExecutionName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `local-${stamp}-${randomBytes(3).toString('hex')}`;
}

function loadTemplate(template: CfnTemplate | string): CfnTemplate {
  if (typeof template !== 'string') return template;
  try {
    return JSON.parse(readFileSync(template, 'utf8')) as CfnTemplate;
  } catch (err) {
    throw new Error(`cannot read the template ${template}: ${(err as Error).message}`);
  }
}

export async function runStateMachineLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const region = options.region ?? 'us-east-1';
  const template = loadTemplate(options.template);
  const { logicalId, definition } = extractStateMachine(template, STATE_NAMES.prepare, { region });
  const bindings = bindTasks(definition, template);
  const now = new Date();
  const executionName = options.executionName ?? defaultExecutionName(now);
  const resultsDir = path.join(options.outDir, ...layout.runPrefix(executionName).split('/').filter(Boolean));
  const emit = options.onProgress ?? (() => undefined);

  const counts = new Map<string, { invocations: number; failed: number }>();
  let writeFailure: FileWriteError | undefined;
  const handlers = createLocalTaskHandlers({
    lambdaEndpoint: options.lambdaEndpoint,
    logsEndpoint: options.logsEndpoint ?? options.lambdaEndpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    outDir: options.outDir,
    targets: options.targets,
    defaults: options.defaults ?? {},
    environment: options.environment ?? { limitsApplied: false, limitsReason: 'not reported by the caller' },
    updatePollSeconds: options.updatePollSeconds ?? LOCAL_UPDATE_POLL_SECONDS,
    ...(options.parity ? { parity: options.parity } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.initFileMB ? { initFileMB: options.initFileMB } : {}),
    ...(options.awsModel ? { awsModel: options.awsModel } : {}),
    ...(options.planCalibration ? { planCalibration: options.planCalibration } : {}),
    ...(options.initPackageFileMB ? { initPackageFileMB: options.initPackageFileMB } : {}),
    onWriteFailure: (failure) => {
      writeFailure ??= failure;
    },
    onInvocation: (target, record, index, total) => {
      const c = counts.get(target) ?? { invocations: 0, failed: 0 };
      c.invocations++;
      if (record.apiError || record.functionError) c.failed++;
      counts.set(target, c);
      emit({ type: 'invocation', target, phase: record.phase, index, total, record });
    },
  });

  // Every Task is overridden: aws-local-stepfunctions would send any other to the real Lambda service.
  const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const binding of bindings) {
    const handler = handlers[binding.handler];
    if (!handler) throw new Error(`Task ${binding.stateName} calls the handler ${binding.handler}, which has no local binding`);
    overrides[binding.stateName] = async (input) => {
      const payload = (input as { Payload?: unknown })?.Payload;
      try {
        await options.beforeTask?.(binding.handler);
        const result = await handler(payload);
        afterTask(binding.handler, payload, result);
        // What the lambda:invoke integration returns; the definition's ResultSelector/OutputPath pick from it.
        return { ExecutedVersion: '$LATEST', Payload: result ?? null, StatusCode: 200 } as never;
      } catch (err) {
        afterTask(binding.handler, payload, undefined, err as Error);
        throw asTaskError(err);
      }
    };
  }

  const targetsOf = (payload: unknown) => (payload as { target?: { key?: string } })?.target?.key ?? '?';
  function afterTask(handler: string, payload: unknown, result: unknown, error?: Error) {
    if (handler === 'collectReports') {
      const found = (result as CollectReportsOutput | undefined)?.found;
      const missing = (result as CollectReportsOutput | undefined)?.missing;
      if (found !== undefined && missing !== undefined) emit({ type: 'collecting', target: targetsOf(payload), found, missing });
      else if (error) emit({ type: 'collecting', target: targetsOf(payload), found: -1, missing: -1 });
    }
    if (handler === 'recordTargetError' && result) {
      emit({ type: 'target-error', target: targetsOf(payload), message: (result as { recorded: string }).recorded });
    }
  }

  const stateMachine = new StateMachine(definition as unknown as StateMachineDefinition, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const startTime = now.toISOString();
  const input = options.input ?? {};
  const runOptions: RunOptions = {
    overrides: {
      taskResourceLocalHandlers: overrides as never,
      ...(options.retryIntervalOverrides ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    },
    noThrowOnAbort: true,
    context: {
      Execution: {
        Id: `arn:aws:states:${region}:${LOCAL_ACCOUNT}:execution:${logicalId}:${executionName}`,
        Name: executionName,
        StartTime: startTime,
        Input: input as never,
        RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
      },
      StateMachine: { Id: `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`, Name: logicalId },
    },
  };
  const execution = stateMachine.run(input as never, runOptions);
  const onAbort = () => execution.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let targetKeys: string[] = [];
  const watching = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        const name = event.state.name;
        emit({ type: 'state', state: name });
        if (name === STATE_NAMES.planColdStarts) {
          const key = (event.state.input as { target?: { key?: string } })?.target?.key ?? '?';
          emit({ type: 'target-start', target: key, targetIndex: Math.max(0, targetKeys.indexOf(key)), targets: targetKeys.length });
        }
        if (name === STATE_NAMES.targetMeasured) {
          const key = (event.state.input as { target?: { key?: string } })?.target?.key ?? '?';
          const c = counts.get(key) ?? { invocations: 0, failed: 0 };
          emit({ type: 'target-done', target: key, invocations: c.invocations, failed: c.failed });
        }
      } else if (event.type === 'StateExited' && event.state.name === STATE_NAMES.prepare) {
        targetKeys = ((event.state.output as { targets?: { key: string }[] })?.targets ?? []).map((t) => t.key);
      } else if (event.type === 'StateRetried') {
        emit({ type: 'retry', state: event.state.name, attempt: event.retry.attempt, error: event.retry.retrier.ErrorEquals.join(',') });
      }
    }
  })();

  let status: LocalRunResult['status'];
  let output: AggregateOutput | undefined;
  let error: LocalRunResult['error'];
  try {
    const result = await execution.result;
    if (result === null && options.signal?.aborted) {
      status = 'ABORTED';
    } else {
      status = 'SUCCEEDED';
      output = result as unknown as AggregateOutput;
    }
  } catch (err) {
    if (!(err instanceof ExecutionError)) throw err;
    status = 'FAILED';
    const cause = (err as { cause?: { name?: string; message?: string } }).cause;
    error = { error: cause?.name ?? err.name, cause: cause?.message ?? err.message };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  await watching.catch(() => undefined);

  const out: LocalRunResult = { executionName, status, resultsDir, startedAt: startTime, finishedAt: new Date().toISOString() };
  if (output) out.output = output;
  if (error) out.error = error;
  if (writeFailure) out.writeFailure = writeFailure;
  try {
    out.failure = JSON.parse(readFileSync(path.join(resultsDir, 'failure.json'), 'utf8')) as FailureRecord;
  } catch {
    // no failure record: the run did not fail, or failed before RecordFailure could write
  }
  return out;
}

/**
 * How a Lambda task's failure reaches Step Functions: Error is the function's errorType (Node's
 * error.name) and Cause is the function's error as JSON. Retry and Catch match on that name.
 */
function asTaskError(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const mapped = new Error(JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') }));
  mapped.name = e.name;
  return mapped;
}

export type { AslDefinition };
