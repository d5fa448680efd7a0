import { randomBytes } from 'node:crypto';
import { DescribeExecutionCommand, StartExecutionCommand, type DescribeExecutionCommandOutput, type SFNClient } from '@aws-sdk/client-sfn';
import { isTransientAwsError } from './aws-errors';
import type { AggregateOutput, RatioSummary } from './task-types';
import type { AwsCall } from './aws-call';

/**
 * The custom resource that runs the benchmark when the stack is deployed (provider framework:
 * onEvent starts an execution, isComplete polls it).
 *
 * Never fails a deployment because of the benchmark: a failed or slow run is reported in the
 * stack outputs (Status FAILED / RUNNING and where the failure record is), because rolling the stack
 * back would delete the very records that explain the failure. Delete does nothing and succeeds at
 * once: removing the stack never waits for a run.
 */

export const PHYSICAL_RESOURCE_ID = 'benchmark-run-on-deploy';

/** The attributes the stack outputs read; every response carries all of them. */
export const TRIGGER_ATTRIBUTES = [
  'Status',
  'ExecutionArn',
  'ResultsLocation',
  'Report',
  'ColdStartInitP50Ratio',
  'WarmDurationP50Ratio',
  'MaxMemoryRatio',
  'PackageSizeRatio',
] as const;
export type TriggerData = Record<(typeof TRIGGER_ATTRIBUTES)[number], string>;

interface CfnEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  PhysicalResourceId?: string;
  ResourceProperties?: Record<string, unknown>;
  Data?: Record<string, unknown>;
}

export interface TriggerDeps {
  sfn: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  bucketName: string;
  /** How long the deployment waits for the run, ms. */
  waitMs: number;
  now?: () => Date;
}

function executionName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `deploy-${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function onEvent(event: CfnEvent, deps: TriggerDeps): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_RESOURCE_ID };
  }
  const now = (deps.now ?? (() => new Date()))();
  const props = event.ResourceProperties ?? {};
  const out = await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArn,
      name: executionName(now),
      // Recorded in run.json: why this run happened.
      input: JSON.stringify({
        trigger: {
          source: 'cloudformation',
          requestType: event.RequestType,
          aprCode: props.AprCode ?? null,
          pytorchImage: props.PytorchImage ?? null,
          targetCode: props.TargetCode ?? null,
          configHash: props.ConfigHash ?? null,
        },
        // The functions the run on deploy measures (runOnDeployTargets); absent: every deployed one.
        ...(typeof props.RunTargets === 'string' && props.RunTargets !== '' ? { targets: props.RunTargets.split(',') } : {}),
      }),
    }),
  );
  if (!out.executionArn) throw new Error('StartExecution returned no executionArn');
  // StartedAt bounds how long isComplete keeps polling through transient errors.
  return {
    PhysicalResourceId: event.PhysicalResourceId ?? PHYSICAL_RESOURCE_ID,
    Data: { ExecutionArn: out.executionArn, StartedAt: now.toISOString() },
  };
}

export function formatRatio(r: RatioSummary | undefined): string {
  if (!r || r.value === null) return 'n/a';
  const v = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
  return r.ci95 ? `${v(r.value)}x (95% CI ${v(r.ci95[0])}-${v(r.ci95[1])})` : `${v(r.value)}x`;
}

function data(partial: Partial<TriggerData>): TriggerData {
  const out = {} as TriggerData;
  for (const key of TRIGGER_ATTRIBUTES) out[key] = partial[key] ?? 'n/a';
  return out;
}

export async function isComplete(event: CfnEvent, deps: TriggerDeps): Promise<{ IsComplete: boolean; Data?: TriggerData }> {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const executionArn = event.Data?.ExecutionArn;
  if (typeof executionArn !== 'string') throw new Error('isComplete: the onEvent result carries no ExecutionArn');
  const name = executionArn.split(':').pop() as string;
  const location = `s3://${deps.bucketName}/runs/${name}/`;
  const now = (deps.now ?? (() => new Date()))();
  let out: DescribeExecutionCommandOutput;
  try {
    out = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (err) {
    // The provider framework sends FAILED for any error isComplete throws (its safeHandler), and that
    // rolls the stack back. A throttled call, a 5xx or a dropped connection says nothing about the
    // run: report not-complete and let the framework poll again. Only a definitive answer
    // (AccessDenied, ExecutionDoesNotExist, InvalidArn, ...) fails, because polling cannot fix it.
    if (!isTransientAwsError(err)) throw err;
    const startedAt = Date.parse(String(event.Data?.StartedAt ?? ''));
    if (!Number.isFinite(startedAt) || now.getTime() - startedAt < deps.waitMs) return { IsComplete: false };
    // Past the wait with Step Functions still not answering: the run goes on; say so instead of failing.
    return {
      IsComplete: true,
      Data: data({
        Status: `UNKNOWN (DescribeExecution kept failing: ${(err as Error).name}; run \`npm run bench:aws -- --execution-arn <ExecutionArn>\` to follow it)`,
        ExecutionArn: executionArn,
        ResultsLocation: location,
      }),
    };
  }
  if (out.status === 'RUNNING' || out.status === 'PENDING_REDRIVE') {
    const started = out.startDate ? new Date(out.startDate).getTime() : now.getTime();
    if (now.getTime() - started < deps.waitMs) return { IsComplete: false };
    return {
      IsComplete: true,
      Data: data({
        Status: 'RUNNING (the deployment stopped waiting; run `npm run bench:aws -- --execution-arn <ExecutionArn>` to follow it)',
        ExecutionArn: executionArn,
        ResultsLocation: location,
      }),
    };
  }
  if (out.status === 'SUCCEEDED') {
    let result: Partial<AggregateOutput> = {};
    try {
      result = JSON.parse(out.output ?? '{}') as AggregateOutput;
    } catch {
      // an unreadable output leaves the ratios n/a; the files in S3 are the record
    }
    const r = result.ratios ?? null;
    return {
      IsComplete: true,
      Data: data({
        Status: 'SUCCEEDED',
        ExecutionArn: executionArn,
        ResultsLocation: location,
        Report: `${location}report.md`,
        ColdStartInitP50Ratio: r ? `${r.numerator}/${r.denominator} ${formatRatio(r.coldStartInitP50)}` : 'n/a',
        WarmDurationP50Ratio: r ? `${r.numerator}/${r.denominator} ${formatRatio(r.warmDurationP50)}` : 'n/a',
        MaxMemoryRatio: r ? `${r.numerator}/${r.denominator} ${formatRatio(r.maxMemory)}` : 'n/a',
        PackageSizeRatio: r ? `${r.numerator}/${r.denominator} ${formatRatio(r.packageSize)}` : 'n/a',
      }),
    };
  }
  return {
    IsComplete: true,
    Data: data({
      Status: `${out.status ?? 'UNKNOWN'}${out.error ? `: ${out.error}` : ''}`,
      ExecutionArn: executionArn,
      ResultsLocation: location,
      Report: `${location}failure.json`,
    }),
  };
}

/** Every AWS request the trigger's handlers make (aws-call.ts; checked by lib/audit/iam-simulation.ts). */
export const AWS_CALLS: { [handler: string]: AwsCall[] } = {
  triggerOnEvent: [{ call: 'StartExecutionCommand', action: 'states:StartExecution', resource: 'arn:{partition}:states:{region}:{account}:stateMachine:{stateMachineName}' }],
  triggerIsComplete: [
    {
      call: 'DescribeExecutionCommand',
      action: 'states:DescribeExecution',
      // Execution ARNs: execution:<state machine name>:<execution name> (Step Functions API reference).
      resource: 'arn:{partition}:states:{region}:{account}:execution:{stateMachineName}:{execution}',
    },
  ],
};
