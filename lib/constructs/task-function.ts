import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ownLogGroupAndRole } from './execution-role';

/** The exports of lib/handlers/lambda/index.ts: one bundle, one handler per function. */
export type TaskHandlerName =
  | 'prepare'
  | 'forceColdStart'
  | 'invokeCold'
  | 'invokeWarm'
  | 'collectReports'
  | 'recordTargetError'
  | 'aggregate'
  | 'recordFailure'
  | 'triggerOnEvent'
  | 'triggerIsComplete';

export interface TaskFunctionProps {
  /** lib/handlers/lambda/index.ts */
  entry: string;
  /** The repository root: esbuild resolves the handlers' imports from it. */
  projectRoot: string;
  handler: TaskHandlerName;
  description: string;
  timeout: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  logRetentionDays: number;
}

/**
 * A Node.js function running one of the benchmark's handlers, bundled on this machine by the
 * locally installed esbuild (no Docker), with the AWS SDK inside the bundle: the code that runs is
 * the code the tests ran, not whatever SDK version the runtime ships.
 *
 * Its role starts empty except for writing to its own log group; each use grants exactly what that
 * handler needs.
 */
export class TaskFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    ({ logGroup: this.logGroup, role: this.role } = ownLogGroupAndRole(this, {
      logRetentionDays: props.logRetentionDays,
      roleDescription: `Runs the ${props.handler} handler of the benchmark`,
    }));
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      handler: props.handler,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        bundleAwsSDK: true,
        sourceMap: true,
        // Readable bundles: an auditor can read what runs.
        minify: false,
        forceDockerBundling: false,
      },
    });
  }
}

/** A Task's Lambda-side timeout plus the margin the state machine allows on top of it. */
export function stateTimeout(functionTimeout: Duration): Duration {
  return Duration.seconds(functionTimeout.toSeconds() + 30);
}
