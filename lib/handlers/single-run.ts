import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';

/**
 * One run per stack at a time. Two runs of the benchmark state machine at once would fight over
 * the benchmarked functions (each forced cold start changes the function's configuration, which
 * retires the other run's environments) and both would measure nonsense. Runs start from several
 * places: the deployment (also an update rollback, which sends an Update with the old properties),
 * `npm run bench:aws`, the console.
 *
 * Prepare, the first state of every run, therefore lists the state machine's RUNNING executions and
 * refuses to start (RunInProgressError, recorded in failure.json and in the deployment's
 * BenchmarkStatus output) when another run goes first. "Goes first" is the earliest start time, ties
 * broken by execution name, so of two runs that see each other exactly one goes on.
 *
 * Known limit: ListExecutions "is eventually consistent. The results are best effort and may not
 * reflect very recent updates and changes" (Step Functions API reference, ListExecutions). Two runs
 * started within a moment of each other may both miss the other; every case named above starts a
 * run minutes after the first one began, where the listing is settled.
 */

export class RunInProgressError extends Error {
  constructor(readonly other: RunningExecution) {
    super(
      `another benchmark run is in progress (${other.name}, started ${other.startDate.toISOString()}): one run per stack at a time, ` +
        `because a forced cold start of one run would retire the other's environments. Follow it with ` +
        `\`npm run bench:aws -- --execution-arn ${other.executionArn}\` and start again when it has ended ` +
        `(or stop it: \`aws stepfunctions stop-execution --execution-arn ${other.executionArn}\`).`,
    );
    this.name = 'RunInProgressError';
  }
}

export interface RunningExecution {
  executionArn: string;
  name: string;
  startDate: Date;
}

/** The running execution that goes before `self`, if any: earliest start first, then by name. */
export function runAhead(self: RunningExecution, running: readonly RunningExecution[]): RunningExecution | undefined {
  const before = (a: RunningExecution, b: RunningExecution) =>
    a.startDate.getTime() < b.startDate.getTime() || (a.startDate.getTime() === b.startDate.getTime() && a.name < b.name);
  const ahead = running.filter((r) => r.executionArn !== self.executionArn && before(r, self));
  ahead.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return ahead[0];
}

export interface SelfExecution {
  stateMachineArn: string;
  executionArn: string;
  /** $$.Execution.StartTime. */
  startTime: string;
}

/** Throws RunInProgressError when another running execution of the same state machine goes first. */
export async function ensureOnlyRun(sfn: Pick<SFNClient, 'send'>, self: SelfExecution): Promise<void> {
  const started = new Date(self.startTime);
  if (Number.isNaN(started.getTime())) throw new Error(`ensureOnlyRun: start time ${JSON.stringify(self.startTime)} is not a date`);
  const me: RunningExecution = { executionArn: self.executionArn, name: self.executionArn.split(':').pop() ?? '', startDate: started };
  const running: RunningExecution[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: self.stateMachineArn, statusFilter: 'RUNNING', maxResults: 100, ...(nextToken ? { nextToken } : {}) }),
    );
    for (const e of page.executions ?? []) {
      if (e.executionArn && e.name && e.startDate) running.push({ executionArn: e.executionArn, name: e.name, startDate: new Date(e.startDate) });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  const other = runAhead(me, running);
  if (other) throw new RunInProgressError(other);
}
