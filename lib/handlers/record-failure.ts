import { describeCaught } from './collect';
import type { RunStore } from './run-store';
import { checkRunName, layout } from './run-layout';
import { TaskInputError, type RecordFailureInput, type RecordFailureOutput } from './task-types';
import { S3_CALLS, type AwsCall } from './aws-call';

/**
 * Writes runs/<run>/failure.json when a run cannot finish (Prepare or Aggregate failed, the store
 * could not be written, a step failed in a way no target-level Catch handles). The execution then
 * ends in a Fail state: the record says what failed, the execution status says that it did.
 */

export interface FailureRecord {
  schemaVersion: 1;
  run: string;
  status: 'FAILED';
  failedState: string;
  error: string;
  message: string;
  /** The Catch's Cause as received (for Lambda tasks, the function's error as JSON). */
  cause: string | null;
  recordedAt: string;
  /** Where the raw records measured before the failure are, if any. */
  rawRecords: string;
}

export async function recordFailureTask(
  input: RecordFailureInput,
  deps: { store: RunStore; now?: () => Date },
): Promise<RecordFailureOutput> {
  const run = checkRunName(input?.executionName);
  if (typeof input.failedState !== 'string') throw new TaskInputError('RecordFailure', '"failedState" must be a state name');
  const error = typeof input.error?.Error === 'string' ? input.error.Error : 'UnknownError';
  const record: FailureRecord = {
    schemaVersion: 1,
    run,
    status: 'FAILED',
    failedState: input.failedState,
    error,
    message: describeCaught(input.error),
    cause: typeof input.error?.Cause === 'string' ? input.error.Cause : null,
    recordedAt: (deps.now ?? (() => new Date()))().toISOString(),
    rawRecords: deps.store.describe(`${layout.runPrefix(run)}raw/`),
  };
  const failureKey = layout.failure(run);
  await deps.store.putJson(failureKey, record);
  return { failureKey };
}

/** Every AWS request the recordFailure handler makes (aws-call.ts; checked by lib/audit/iam-simulation.ts). */
export const AWS_CALLS: { [handler: string]: AwsCall[] } = {
  recordFailure: [S3_CALLS.put('failure.json')],
};
