import * as path from 'node:path';
import type { BenchmarkConfigInput } from '../benchmark/config';
import { createBenchmarkClients } from '../benchmark/clients';
import { DirectorySink } from '../benchmark/result-files';
import type { EnvironmentManifest, InvocationRecord, Parity, TargetSpec } from '../benchmark/types';
import { aggregateTask, type AggregateDeps } from '../handlers/aggregate';
import { collectReportsTask, recordTargetErrorTask } from '../handlers/collect';
import { forceColdStartTask, invokeColdTask, invokeWarmTask } from '../handlers/measure';
import { prepareRun } from '../handlers/prepare';
import { recordFailureTask } from '../handlers/record-failure';
import { DirectoryRunStore, type RunStore } from '../handlers/run-store';
import { findFileWriteError, type FileWriteError } from '../util/file-write-error';
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
  /**
   * Once aborted, no handler sends another request or writes another file: calls reject at once
   * (requests in flight are aborted), so nothing is launched or written after a run was stopped.
   */
  signal?: AbortSignal;
  /** Every failed write of the run store or the result files (no space, read-only, ...), as it happens. */
  onWriteFailure?: (failure: FileWriteError) => void;
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

export class RunStoppedError extends Error {
  constructor() {
    super('the run was stopped');
    this.name = 'RunStoppedError';
  }
}

type Sendable = { send: (command: never, options?: { abortSignal?: AbortSignal }) => Promise<unknown> };

/**
 * Makes a client refuse new requests once `signal` aborts, and abort the one in flight. The SDK's
 * retry loop may be waiting out a back-off (up to 20 s) when the signal comes: the caller is answered
 * at once rather than after it.
 */
export function stopWithSignal<C extends Sendable>(client: C, signal: AbortSignal | undefined): C {
  if (!signal) return client;
  const original = client.send.bind(client) as (command: never, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
  const stopped = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new RunStoppedError()), { once: true }));
  stopped.catch(() => undefined);
  (client as Sendable).send = (command: never, options?: { abortSignal?: AbortSignal }) => {
    if (signal.aborted) return Promise.reject(new RunStoppedError());
    return Promise.race([original(command, { ...options, abortSignal: signal }), stopped]);
  };
  return client;
}

/** A run store that reports failed writes and refuses writes once the run was stopped. */
class WatchedRunStore implements RunStore {
  constructor(
    private readonly inner: RunStore,
    private readonly signal: AbortSignal | undefined,
    private readonly onWriteFailure: ((failure: FileWriteError) => void) | undefined,
  ) {}

  async putJson(key: string, value: unknown): Promise<void> {
    if (this.signal?.aborted) throw new RunStoppedError();
    try {
      await this.inner.putJson(key, value);
    } catch (error) {
      const failure = findFileWriteError(error);
      if (failure) this.onWriteFailure?.(failure);
      throw error;
    }
  }

  getJson<T>(key: string): Promise<T | undefined> {
    return this.inner.getJson<T>(key);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  describe(key: string): string {
    return this.inner.describe(key);
  }
}

export type LocalTaskHandler = (payload: unknown) => Promise<unknown>;

export function createLocalTaskHandlers(options: LocalHandlerOptions): Record<string, LocalTaskHandler> {
  const guard = (clients: ReturnType<typeof createBenchmarkClients>) => {
    stopWithSignal(clients.lambda as unknown as Sendable, options.signal);
    stopWithSignal(clients.logs as unknown as Sendable, options.signal);
    return clients;
  };
  const lambdaClients = guard(createBenchmarkClients({ region: options.region, endpoint: options.lambdaEndpoint, credentials: options.credentials }));
  const logsClients =
    options.logsEndpoint === options.lambdaEndpoint
      ? lambdaClients
      : guard(createBenchmarkClients({ region: options.region, endpoint: options.logsEndpoint, credentials: options.credentials }));
  const store = new WatchedRunStore(new DirectoryRunStore(options.outDir), options.signal, options.onWriteFailure);
  const watchedSink = (directory: string) => {
    const sink = new DirectorySink(directory);
    return {
      put: async (name: string, body: string | Uint8Array, contentType: string) => {
        if (options.signal?.aborted) throw new RunStoppedError();
        try {
          await sink.put(name, body, contentType);
        } catch (error) {
          const failure = findFileWriteError(error);
          if (failure) options.onWriteFailure?.(failure);
          throw error;
        }
      },
    };
  };
  const progress = (payload: { target?: { key?: string } }) =>
    options.onInvocation
      ? (record: InvocationRecord, index: number, total: number) => options.onInvocation!(payload.target?.key ?? '?', record, index, total)
      : undefined;
  const withProgress = <T extends { target?: { key?: string } }>(payload: T) => {
    const onInvocation = progress(payload);
    return { lambda: lambdaClients.lambda, store, ...(onInvocation ? { onInvocation } : {}) };
  };
  return {
    prepare: (payload) =>
      prepareRun(payload as PrepareInput, {
        store,
        defaults: { config: options.defaults, targets: options.targets },
        planProfile: 'local',
        ...(options.planCalibration ? { planCalibration: options.planCalibration } : {}),
      }),
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
        sinkFor: (prefix) => watchedSink(path.join(options.outDir, ...prefix.split('/').filter(Boolean))),
        backend: 'local',
        environment: options.environment,
        ...(options.parity ? { parity: options.parity } : {}),
        ...(options.initFileMB ? { initFileMB: options.initFileMB } : {}),
        ...(options.initPackageFileMB ? { initPackageFileMB: options.initPackageFileMB } : {}),
        ...(options.awsModel ? { awsModel: options.awsModel } : {}),
      }),
    recordFailure: (payload) => recordFailureTask(payload as RecordFailureInput, { store }),
  };
}
