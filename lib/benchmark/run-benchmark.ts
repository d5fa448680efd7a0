import { randomBytes } from 'node:crypto';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { forceColdStart } from './cold-start';
import { validateTargets } from './config';
import {
  collectReports,
  collectReportsUntilComplete,
  MissingReportsError,
  reportFilterPattern,
  type CollectedReports,
  type LogsLike,
} from './collect-reports';
import { invokeOnce } from './invoke';
import { joinReports, keepFirstResponses, reportableRequestIds } from './records';
import type { BenchmarkConfig, InvocationRecord, Phase, RawBenchmarkRun, TargetRun, TargetSpec } from './types';

/**
 * The whole measurement as one plain async function, for the local run and for tests: per target,
 * N × (force a cold start, invoke), then M warm invocations, then the REPORT records. The state
 * machine runs the same steps as separate Task states.
 *
 * Targets run one after another, invocations one at a time: the functions never compete with each
 * other or with themselves for the machine (or the account's concurrency).
 */

export type ProgressEvent =
  | { type: 'target-start'; target: string; targetIndex: number; targets: number }
  | { type: 'invocation'; target: string; phase: Phase; index: number; total: number; record: InvocationRecord; updateWaitMs?: number }
  | { type: 'collecting'; target: string; found: number; missing: number }
  | { type: 'target-error'; target: string; message: string }
  | { type: 'target-done'; target: string; invocations: number; failed: number };

export interface RunBenchmarkOptions {
  lambda: LambdaClient;
  logs: LogsLike;
  targets: readonly TargetSpec[];
  config: BenchmarkConfig;
  onProgress?: (event: ProgressEvent) => void;
  /** Checked between invocations; see the note on runBenchmark. */
  signal?: AbortSignal;
  /** Prefix of the cold-start markers; default a random id, so two runs never reuse a marker. */
  runId?: string;
  /** First poll delay while waiting for a configuration update, s. Default 1 (AWS); the local service answers at once. */
  updatePollSeconds?: number;
  /** Slack around the log search window for clock differences between here and the log source, ms. Default 5 min. */
  clockSlackMs?: number;
  /** A target stops after this many Invoke API failures in a row (a missing function, exhausted throttling). Default 5. */
  maxConsecutiveApiErrors?: number;
}

function isAbort(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError';
}

function describe(err: unknown): string {
  const e = err as Error;
  return e?.name && e?.message ? `${e.name}: ${e.message}` : String(err);
}

/**
 * Returns the raw per-target data for aggregate(). A target whose function fails (init error,
 * crash) is recorded with its errors and the run goes on; a target whose cold start cannot be forced
 * (function missing, update failed) gets a run error and the run goes on with the next target.
 *
 * AbortSignal: checked before every invocation and every forced cold start (an Invoke in flight is
 * let finish, so every record is complete). After an abort no further target starts; each target
 * measured so far gets one quick pass for its REPORT records (no waiting for late ones), and the
 * result is returned with `aborted: true`.
 */
export async function runBenchmark(options: RunBenchmarkOptions): Promise<RawBenchmarkRun> {
  const { lambda, logs, targets, config, onProgress, signal } = options;
  const runId = options.runId ?? `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const clockSlackMs = options.clockSlackMs ?? 5 * 60_000;
  const maxConsecutiveApiErrors = options.maxConsecutiveApiErrors ?? 5;
  validateTargets(targets);
  const startedAt = new Date().toISOString();
  const results: TargetRun[] = [];
  let aborted = false;

  for (const [targetIndex, spec] of targets.entries()) {
    if (signal?.aborted) {
      aborted = true;
      break;
    }
    onProgress?.({ type: 'target-start', target: spec.key, targetIndex, targets: targets.length });
    const run: TargetRun = { spec, invocations: [], runErrors: [], startedAt: Date.now(), finishedAt: Date.now() };
    results.push(run);
    const records: InvocationRecord[] = [];
    let consecutiveApiErrors = 0;
    const record = (rec: InvocationRecord, index: number, total: number, updateWaitMs?: number) => {
      records.push(rec);
      consecutiveApiErrors = rec.apiError ? consecutiveApiErrors + 1 : 0;
      onProgress?.({ type: 'invocation', target: spec.key, phase: rec.phase, index, total, record: rec, ...(updateWaitMs !== undefined ? { updateWaitMs } : {}) });
      if (consecutiveApiErrors >= maxConsecutiveApiErrors) {
        throw new TargetStoppedError(`stopped after ${consecutiveApiErrors} Invoke failures in a row (last: ${rec.errorType}: ${rec.errorMessage})`);
      }
    };

    try {
      for (let i = 0; i < config.coldStarts; i++) {
        if (signal?.aborted) throw abortError();
        const marker = `${runId}-${spec.key}-${i}`;
        const forced = await forceColdStart(lambda, spec.functionName, marker, {
          maxWaitSeconds: config.functionUpdateTimeoutSeconds,
          minDelaySeconds: options.updatePollSeconds ?? 1,
          ...(signal ? { abortSignal: signal } : {}),
        });
        if (signal?.aborted) throw abortError();
        const rec = await invokeOnce(lambda, spec.functionName, config.payload, 'cold');
        rec.coldStartMarker = marker;
        record(rec, i, config.coldStarts, forced.updateWaitMs);
      }
      for (let i = 0; i < config.warmInvocations; i++) {
        if (signal?.aborted) throw abortError();
        record(await invokeOnce(lambda, spec.functionName, config.payload, 'warm'), i, config.warmInvocations);
      }
    } catch (err) {
      if (isAbort(err)) {
        aborted = true;
      } else {
        run.runErrors.push(describe(err));
        onProgress?.({ type: 'target-error', target: spec.key, message: describe(err) });
      }
    }
    run.finishedAt = Date.now();

    const ids = reportableRequestIds(records);
    let collected: CollectedReports = { reports: {}, missing: ids, malformed: [], duplicates: 0, pages: 0 };
    const window = {
      startTime: run.startedAt - clockSlackMs,
      endTime: run.finishedAt + clockSlackMs,
      filterPattern: reportFilterPattern(spec.logFormat),
    };
    try {
      if (ids.length > 0 && aborted) {
        collected = await collectReports(logs, spec.logGroupName, ids, window);
        if (collected.missing.length > 0) {
          run.runErrors.push(`run aborted before ${collected.missing.length} of ${ids.length} REPORT records arrived`);
        }
      } else if (ids.length > 0) {
        collected = await collectReportsUntilComplete(logs, spec.logGroupName, ids, {
          ...window,
          deadlineMs: config.reportCollection.deadlineMs,
          pollIntervalMs: config.reportCollection.pollIntervalMs,
          ...(signal ? { abortSignal: signal } : {}),
          onPoll: (found, missing) => onProgress?.({ type: 'collecting', target: spec.key, found, missing }),
        });
      }
    } catch (err) {
      if (err instanceof MissingReportsError) {
        collected = err.partial;
        run.runErrors.push(err.message);
      } else if (isAbort(err)) {
        aborted = true;
        run.runErrors.push('run aborted while waiting for REPORT records');
      } else {
        run.runErrors.push(`collecting REPORT records: ${describe(err)}`);
      }
    }
    if (collected.malformed.length > 0 && !run.runErrors.some((e) => e.includes('malformed'))) {
      run.runErrors.push(`${collected.malformed.length} malformed REPORT record(s) in ${spec.logGroupName}, first: ${collected.malformed[0].problem}`);
    }
    run.invocations = joinReports(keepFirstResponses(records), collected.reports);
    const failed = run.invocations.filter((inv) => inv.apiError || inv.functionError || !inv.report).length;
    onProgress?.({ type: 'target-done', target: spec.key, invocations: run.invocations.length, failed });
    if (aborted) break;
  }

  return { startedAt, finishedAt: new Date().toISOString(), config, targets: results, aborted };
}

/** A target given up on: the service keeps refusing its invocations. */
export class TargetStoppedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetStopped';
  }
}

function abortError(): Error {
  const err = new Error('benchmark aborted');
  err.name = 'AbortError';
  return err;
}
