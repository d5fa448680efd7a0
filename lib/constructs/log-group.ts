import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * Every log group of the stack is created explicitly, with a retention and DESTROY: Lambda would
 * otherwise create `/aws/lambda/<name>` on the first invocation, outside the stack, never expiring,
 * and `cdk destroy` would leave it behind.
 */
export function stackLogGroup(scope: Construct, id: string, retentionDays: number): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: retentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
