import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * Every log group of the stack is created explicitly, with a retention and DESTROY: Lambda would
 * otherwise create `/aws/lambda/<name>` on the first invocation, outside the stack, never expiring,
 * and `cdk destroy` would leave it behind.
 */
export function stackLogGroup(scope: Construct, id: string, retentionDays: number, logGroupName?: string): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: retentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
    ...(logGroupName ? { logGroupName } : {}),
  });
}

/**
 * The log group name of a state machine: Step Functions delivers its logs as "vended logs", and
 * CloudWatch Logs lets the delivery service write to a log group through a resource policy. Where
 * an account still uses the account-level policy (at most 5,120 characters, 10 per region), each
 * log group outside `/aws/vendedlogs/` adds its own entry, until deployments fail with "The
 * CloudWatch Logs Resource Policy size was exceeded"; names under `/aws/vendedlogs/` are covered by
 * one wildcard entry instead. Step Functions' developer guide (Logging using CloudWatch Logs)
 * recommends the prefix for this reason.
 */
export function vendedLogGroupName(stateMachineName: string): string {
  return `/aws/vendedlogs/states/${stateMachineName}`;
}

/**
 * The log group of a benchmarked function, named by the stack and the result key: its name is then
 * known at synth, where the size of Prepare's BENCH_TARGETS is checked against Lambda's 4 KB
 * (benchmark-state-machine.ts), and it says whose logs it holds.
 */
export function benchmarkedLogGroupName(stackName: string, key: string): string {
  return `/aws/lambda/${stackName}-${key}`;
}
