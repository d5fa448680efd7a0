/**
 * Lambda entry points of the state machine's Task functions and of the deploy-time trigger. This is
 * the edge: configuration comes from the environment the stack sets, and every handler is one call
 * into the same functions the local run uses.
 *
 * Environment (set by lib/constructs/benchmark-state-machine.ts and deploy-trigger.ts):
 *   RESULTS_BUCKET      the results bucket (run store and result files)
 *   BENCH_TARGETS       prepare: the deployed targets, [{"key", "functionName", ...}] as JSON (the
 *                       benchmark settings come in the Task's input: the payload may be 32 KB, and
 *                       Lambda allows 4 KB of environment variables in all)
 *   BENCH_MAX_RUN_COST_USD  prepare: maxRunCostUsd, when set (a run whose plan may cost more is refused)
 *   STATE_MACHINE_ARN   trigger: the benchmark state machine
 *   DEPLOY_WAIT_MS      trigger: how long a deployment waits for its run
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createBenchmarkClients, type BenchmarkClients } from '../../benchmark/clients';
import { S3Sink } from '../../benchmark/result-files';
import { aggregateTask } from '../aggregate';
import { dropTraceContext } from '../clients';
import { collectReportsTask, recordTargetErrorTask } from '../collect';
import * as trigger from '../deploy-trigger';
import { describeTarget } from '../describe-target';
import { forceColdStartTask, invokeColdTask, invokeWarmTask } from '../measure';
import { deployedCostCeiling, deployedDefaults, prepareRun } from '../prepare';
import { recordFailureTask } from '../record-failure';
import { S3RunStore } from '../run-store';
import { ensureOnlyRun } from '../single-run';
import type {
  AggregateInput,
  CollectReportsInput,
  ForceColdStartInput,
  InvokeColdInput,
  InvokeWarmInput,
  PrepareInput,
  RecordFailureInput,
  RecordTargetErrorInput,
} from '../task-types';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

let clients: BenchmarkClients | undefined;
function aws(): BenchmarkClients {
  if (!clients) {
    clients = createBenchmarkClients({ region: env('AWS_REGION') });
    dropTraceContext(clients.lambda);
  }
  return clients;
}

const store = () => new S3RunStore(aws().s3, env('RESULTS_BUCKET'));

export async function prepare(event: PrepareInput) {
  const ecr = new ECRClient({ region: env('AWS_REGION') });
  const sfn = new SFNClient({ region: env('AWS_REGION') });
  return prepareRun(event, {
    store: store(),
    defaults: deployedDefaults(event, env('BENCH_TARGETS')),
    ensureOnlyRun: (self) => ensureOnlyRun(sfn, self),
    describeTarget: (spec) => describeTarget({ lambda: aws().lambda, ecr }, spec),
    ...(process.env.BENCH_MAX_RUN_COST_USD ? { maxRunCostUsd: deployedCostCeiling(process.env.BENCH_MAX_RUN_COST_USD) } : {}),
  });
}

export const forceColdStart = (event: ForceColdStartInput) => forceColdStartTask(event, { lambda: aws().lambda });

export const invokeCold = (event: InvokeColdInput) => invokeColdTask(event, { lambda: aws().lambda, store: store() });

export const invokeWarm = (event: InvokeWarmInput) => invokeWarmTask(event, { lambda: aws().lambda, store: store() });

export const collectReports = (event: CollectReportsInput) => collectReportsTask(event, { logs: aws().logs, store: store() });

export const recordTargetError = (event: RecordTargetErrorInput) => recordTargetErrorTask(event, { store: store() });

export const aggregate = (event: AggregateInput) =>
  aggregateTask(event, {
    store: store(),
    sinkFor: (prefix) => new S3Sink(aws().s3, env('RESULTS_BUCKET'), prefix),
    backend: 'aws',
    environment: {
      limitsApplied: true,
      limitsReason: 'AWS Lambda applies each function\'s configured memory and the CPU share that comes with it',
      region: env('AWS_REGION'),
      measuredFrom: `Lambda function ${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'unknown'} (${process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '?'} MB) in the same region`,
      node: process.version,
    },
  });

export const recordFailure = (event: RecordFailureInput) => recordFailureTask(event, { store: store() });

function triggerDeps(): trigger.TriggerDeps {
  return {
    sfn: new SFNClient({ region: env('AWS_REGION') }),
    stateMachineArn: env('STATE_MACHINE_ARN'),
    bucketName: env('RESULTS_BUCKET'),
    waitMs: Number(env('DEPLOY_WAIT_MS')),
  };
}

export const triggerOnEvent = (event: Parameters<typeof trigger.onEvent>[0]) => trigger.onEvent(event, triggerDeps());

export const triggerIsComplete = (event: Parameters<typeof trigger.isComplete>[0]) => trigger.isComplete(event, triggerDeps());
