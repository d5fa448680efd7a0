import { collectReports, reportFilterPattern, type LogsLike, type MalformedReport } from '../benchmark/collect-reports';
import { reportableRequestIds } from '../benchmark/records';
import type { ReportRecord } from '../benchmark/types';
import { checkTargetInput, loadInvocations } from './measure';
import type { RunStore } from './run-store';
import { layout } from './run-layout';
import type { CaughtError, CollectReportsInput, CollectReportsOutput, RecordTargetErrorInput } from './task-types';
import { TaskInputError } from './task-types';
import { S3_CALLS, type AwsCall } from './aws-call';

/**
 * Collecting a target's REPORT records, one pass per Task invocation. CloudWatch Logs delivers them
 * seconds to minutes after the invocations, so a pass that still misses some throws
 * ReportsNotYetIngested, and the state's Retry (with back-off) runs the next pass. Found records are
 * kept in the run store between passes, so each pass only looks for what is still missing. When the
 * retries run out, a final pass records what is missing as a run error, and the results count those
 * invocations as 'missing-report' instead of silently dropping them.
 */

export const REPORTS_NOT_YET_INGESTED = 'ReportsNotYetIngested';

export class ReportsNotYetIngestedError extends Error {
  constructor(logGroupName: string, missing: number, requested: number) {
    super(`${missing} of ${requested} REPORT records not yet in ${logGroupName}`);
    this.name = REPORTS_NOT_YET_INGESTED;
  }
}

/** runs/<run>/raw/<target>/reports.json */
export interface StoredReports {
  reports: { [requestId: string]: ReportRecord };
  malformed: MalformedReport[];
  duplicates: number;
  passes: number;
}

/** runs/<run>/raw/<target>/run-errors.json */
export interface StoredRunErrors {
  errors: string[];
}

export interface CollectDeps {
  logs: LogsLike;
  store: RunStore;
  /** Slack around the search window for clock differences between the caller and the log source, ms. */
  clockSlackMs?: number;
  now?: () => number;
}

export async function appendRunError(store: RunStore, run: string, target: string, message: string): Promise<void> {
  const key = layout.runErrors(run, target);
  const existing = (await store.getJson<StoredRunErrors>(key)) ?? { errors: [] };
  existing.errors.push(message);
  await store.putJson(key, existing);
}

export async function collectReportsTask(input: CollectReportsInput, deps: CollectDeps): Promise<CollectReportsOutput> {
  checkTargetInput('CollectReports', input);
  if (typeof input.final !== 'boolean') throw new TaskInputError('CollectReports', '"final" must be true or false');
  const { run, target } = input;
  const now = deps.now ?? Date.now;
  const slack = deps.clockSlackMs ?? 5 * 60_000;
  const { cold, warm } = await loadInvocations(deps.store, run, target.key);
  const records = [...cold.map((c) => c.record), ...warm];
  const ids = reportableRequestIds(records);
  const key = layout.reports(run, target.key);
  const stored: StoredReports = (await deps.store.getJson<StoredReports>(key)) ?? { reports: {}, malformed: [], duplicates: 0, passes: 0 };
  let missing = ids.filter((id) => !stored.reports[id]);
  if (missing.length > 0) {
    const startTime = Math.min(...records.map((r) => r.startedAt)) - slack;
    const pass = await collectReports(deps.logs, target.logGroupName, missing, {
      startTime,
      endTime: Math.max(now(), startTime) + slack,
      filterPattern: reportFilterPattern(target.logFormat),
    });
    Object.assign(stored.reports, pass.reports);
    stored.duplicates += pass.duplicates;
    for (const m of pass.malformed) {
      if (stored.malformed.length < 20 && !stored.malformed.some((x) => x.message === m.message)) stored.malformed.push(m);
    }
    stored.passes++;
    missing = pass.missing;
    await deps.store.putJson(key, stored);
  }
  const done = missing.length === 0 || input.final;
  if (done && stored.malformed.length > 0) {
    await appendRunError(
      deps.store,
      run,
      target.key,
      `${stored.malformed.length} malformed REPORT record(s) in ${target.logGroupName}, first: ${stored.malformed[0].problem}`,
    );
  }
  if (missing.length > 0) {
    if (!input.final) throw new ReportsNotYetIngestedError(target.logGroupName, missing.length, ids.length);
    await appendRunError(
      deps.store,
      run,
      target.key,
      `${missing.length} of ${ids.length} REPORT records missing in ${target.logGroupName} after ${stored.passes} passes (e.g. ${missing.slice(0, 3).join(', ')})`,
    );
  }
  return { found: ids.length - missing.length, missing: missing.length };
}

/**
 * "ErrorName: message" from what a Catch hands over. A Lambda task's Cause is the function's error
 * as JSON ({"errorType", "errorMessage", "trace"}); other causes are kept as text.
 */
export function describeCaught(error: CaughtError): string {
  const name = typeof error?.Error === 'string' ? error.Error : 'UnknownError';
  const cause = typeof error?.Cause === 'string' ? error.Cause : '';
  let message = cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // not JSON: keep the text
  }
  message = message.length > 1000 ? `${message.slice(0, 1000)}...` : message;
  return message ? `${name}: ${message}` : name;
}

/** A target's measurement stopped (cold start could not be forced, too many Invoke failures): say so in its results. */
export async function recordTargetErrorTask(input: RecordTargetErrorInput, deps: { store: RunStore }): Promise<{ recorded: string }> {
  checkTargetInput('RecordTargetError', input);
  const message = describeCaught(input.error);
  await appendRunError(deps.store, input.run, input.target.key, message);
  return { recorded: message };
}

/** Every AWS request the collecting handlers make (aws-call.ts; checked by lib/audit/iam-simulation.ts). */
export const AWS_CALLS: { [handler: string]: AwsCall[] } = {
  collectReports: [
    S3_CALLS.listTarget('cold/'),
    S3_CALLS.getTarget('cold/0001.json'),
    S3_CALLS.getTarget('warm.json'),
    S3_CALLS.getTarget('reports.json'),
    S3_CALLS.getTarget('run-errors.json'),
    S3_CALLS.missingKeyCheck('warm.json (no warm invocations), reports.json (the first pass), run-errors.json (no error yet)'),
    {
      call: 'FilterLogEventsCommand',
      action: 'logs:FilterLogEvents',
      // The Service Authorization Reference's form; the role holds the ":*" form too (see the construct).
      resource: 'arn:{partition}:logs:{region}:{account}:log-group:{target.logGroupName}',
      note: 'lib/benchmark/collect-reports.ts',
    },
    S3_CALLS.putTarget('reports.json'),
    S3_CALLS.putTarget('run-errors.json'),
  ],
  recordTargetError: [
    S3_CALLS.getTarget('run-errors.json'),
    S3_CALLS.missingKeyCheck('run-errors.json (before the target\'s first error)'),
    S3_CALLS.putTarget('run-errors.json'),
  ],
};
