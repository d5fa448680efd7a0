import * as path from 'node:path';
import type { BenchmarkConfigInput } from '../benchmark/config';
import { createBenchmarkClients } from '../benchmark/clients';
import { DirectorySink } from '../benchmark/result-files';
import type { EnvironmentManifest, InvocationRecord, Parity, TargetSpec } from '../benchmark/types';
import { aggregateTask } from '../handlers/aggregate';
import { collectReportsTask, recordTargetErrorTask } from '../handlers/collect';
import { forceColdStartTask, invokeColdTask, invokeWarmTask } from '../handlers/measure';
import { prepareRun } from '../handlers/prepare';
import { recordFailureTask } from '../handlers/record-failure';
import { DirectoryRunStore } from '../handlers/run-store';
import type {
  AggregateInput,
  CollectReportsInput,
  ForceColdStartInput,
  InvokeColdInput,
  InvokeWarmInput,
  PrepareInput,
  RecordFailureInput,
  RecordTargetErrorInput,
} from '../handlers/task-types';

/**
 * The Task functions of the state machine, bound to a local Lambda/Logs endpoint and a directory:
 * the same handler code as in AWS (lib/handlers), with only the edges changed (the SDK endpoint, a
 * directory for the bucket, the targets given rather than read from the environment).
 */

export interface LocalHandlerOptions {
  lambdaEndpoint: string;
  logsEndpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Root of the run store and results: files land in <outDir>/runs/<run>/. */
  outDir: string;
  targets: TargetSpec[];
  /** The settings Prepare starts from (what cdk.json gives the deployed Prepare). */
  defaults: BenchmarkConfigInput;
  environment: EnvironmentManifest;
  /** Written into results.json by Aggregate. */
  parity?: Parity;
  /** First poll delay while a configuration update is in progress, s. */
  updatePollSeconds: number;
  onInvocation?: (target: string, record: InvocationRecord, index: number, total: number) => void;
}

export type LocalTaskHandler = (payload: unknown) => Promise<unknown>;

export function createLocalTaskHandlers(options: LocalHandlerOptions): Record<string, LocalTaskHandler> {
  const lambdaClients = createBenchmarkClients({ region: options.region, endpoint: options.lambdaEndpoint, credentials: options.credentials });
  const logsClients =
    options.logsEndpoint === options.lambdaEndpoint
      ? lambdaClients
      : createBenchmarkClients({ region: options.region, endpoint: options.logsEndpoint, credentials: options.credentials });
  const store = new DirectoryRunStore(options.outDir);
  const progress = (payload: { target?: { key?: string } }) =>
    options.onInvocation
      ? (record: InvocationRecord, index: number, total: number) => options.onInvocation!(payload.target?.key ?? '?', record, index, total)
      : undefined;
  const withProgress = <T extends { target?: { key?: string } }>(payload: T) => {
    const onInvocation = progress(payload);
    return { lambda: lambdaClients.lambda, store, ...(onInvocation ? { onInvocation } : {}) };
  };
  return {
    prepare: (payload) => prepareRun(payload as PrepareInput, { store, defaults: { config: options.defaults, targets: options.targets } }),
    forceColdStart: (payload) =>
      forceColdStartTask(payload as ForceColdStartInput, { lambda: lambdaClients.lambda, updatePollSeconds: options.updatePollSeconds }),
    invokeCold: (payload) => invokeColdTask(payload as InvokeColdInput, withProgress(payload as InvokeColdInput)),
    invokeWarm: (payload) => invokeWarmTask(payload as InvokeWarmInput, withProgress(payload as InvokeWarmInput)),
    // The local service writes REPORT lines as it goes and its clock is ours: no slack needed, but harmless.
    collectReports: (payload) => collectReportsTask(payload as CollectReportsInput, { logs: logsClients.logs, store }),
    recordTargetError: (payload) => recordTargetErrorTask(payload as RecordTargetErrorInput, { store }),
    aggregate: (payload) =>
      aggregateTask(payload as AggregateInput, {
        store,
        sinkFor: (prefix) => new DirectorySink(path.join(options.outDir, ...prefix.split('/').filter(Boolean))),
        backend: 'local',
        environment: options.environment,
        ...(options.parity ? { parity: options.parity } : {}),
      }),
    recordFailure: (payload) => recordFailureTask(payload as RecordFailureInput, { store }),
  };
}
