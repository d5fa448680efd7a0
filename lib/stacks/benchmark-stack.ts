import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { CfnOutput, CfnResource, Stack, type StackProps } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { AppConfig } from '../config/app-config';
import { AprFunction, APR_MEMORY_MB, APR_RUNTIME_LABEL, type AprBundler } from '../constructs/apr-function';
import { BenchmarkStateMachine } from '../constructs/benchmark-state-machine';
import { DeployTrigger } from '../constructs/deploy-trigger';
import { stackLogGroup } from '../constructs/log-group';
import { PytorchFunction, PYTORCH_MEMORY_MB, PYTORCH_RUNTIME_LABEL } from '../constructs/pytorch-function';
import { ResultsBucket } from '../constructs/results-bucket';

export interface BenchmarkStackProps extends StackProps {
  config: AppConfig;
  /** The repository root (the PyTorch image's build context, the handlers' project root). */
  repoRoot: string;
  /** Builds the .apr function's `bootstrap` into a directory (lib/build's buildAprFunction). */
  aprBundler: AprBundler;
}

/** Relative to the repository root. */
export const PYTORCH_DOCKERFILE = 'baselines/pytorch-wine/Dockerfile';
export const HANDLER_ENTRY = 'lib/handlers/lambda/index.ts';

/**
 * Everything a benchmark on AWS needs, and nothing that outlives `cdk destroy`: the two functions,
 * the state machine with its Task functions, the results bucket, and the deploy-time trigger.
 */
export class BenchmarkStack extends Stack {
  readonly apr: AprFunction;
  readonly pytorch: PytorchFunction;
  readonly results: ResultsBucket;
  readonly benchmark: BenchmarkStateMachine;
  readonly trigger?: DeployTrigger;

  constructor(scope: Construct, id: string, props: BenchmarkStackProps) {
    super(scope, id, {
      description: 'apr-lambda-bench: a wine-quality model as a Rust .apr function and as a PyTorch image, benchmarked on AWS Lambda',
      ...props,
    });
    const { config, repoRoot } = props;
    const retention = config.logRetentionDays;
    const handlerEntry = path.join(repoRoot, HANDLER_ENTRY);

    this.apr = new AprFunction(this, 'Apr', {
      sourceDir: path.join(repoRoot, 'lambda-apr'),
      bundler: props.aprBundler,
      logRetentionDays: retention,
    });
    this.pytorch = new PytorchFunction(this, 'Pytorch', {
      repoRoot,
      dockerfile: PYTORCH_DOCKERFILE,
      ...(config.pytorchImage ? { existingImage: config.pytorchImage } : {}),
      logRetentionDays: retention,
    });
    this.results = new ResultsBucket(this, 'Results', { accessLogRetentionDays: retention });
    this.benchmark = new BenchmarkStateMachine(this, 'Benchmark', {
      targets: [
        {
          key: 'apr',
          function: this.apr.function,
          logGroup: this.apr.logGroup,
          runtimeLabel: APR_RUNTIME_LABEL,
          memorySizeMB: APR_MEMORY_MB,
          architecture: 'x86_64',
        },
        {
          key: 'pytorch',
          function: this.pytorch.function,
          logGroup: this.pytorch.logGroup,
          runtimeLabel: PYTORCH_RUNTIME_LABEL,
          memorySizeMB: PYTORCH_MEMORY_MB,
          architecture: 'x86_64',
          imageRepository: this.pytorch.repository,
        },
      ],
      settings: config.benchmark,
      bucket: this.results.bucket,
      logRetentionDays: retention,
      handlerEntry,
      projectRoot: repoRoot,
    });
    this.giveAutoDeleteProviderALogGroup(retention);

    new CfnOutput(this, 'StateMachineArn', { value: this.benchmark.stateMachine.stateMachineArn, description: 'Start a run: npm run bench:aws' });
    new CfnOutput(this, 'ResultsBucketName', { value: this.results.bucket.bucketName, description: 'Runs are written under runs/<execution name>/' });
    new CfnOutput(this, 'AprFunctionName', { value: this.apr.function.functionName });
    new CfnOutput(this, 'PytorchFunctionName', { value: this.pytorch.function.functionName });

    if (config.runOnDeploy) {
      const aprCode = (this.apr.function.node.defaultChild as lambda.CfnFunction).code as lambda.CfnFunction.CodeProperty;
      const pytorchCode = (this.pytorch.function.node.defaultChild as lambda.CfnFunction).code as lambda.CfnFunction.CodeProperty;
      this.trigger = new DeployTrigger(this, 'RunOnDeploy', {
        stateMachine: this.benchmark.stateMachine,
        bucket: this.results.bucket,
        waitMinutes: config.deployWaitMinutes,
        runWhenChanged: {
          // The asset key is the hash of the built binary; the image URI ends in the image's tag or digest.
          AprCode: aprCode.s3Key as string,
          PytorchImage: pytorchCode.imageUri as string,
          ConfigHash: settingsHash(config),
        },
        logRetentionDays: retention,
        handlerEntry,
        projectRoot: repoRoot,
      });
      const attr = (name: Parameters<DeployTrigger['attribute']>[0]) => this.trigger!.attribute(name);
      new CfnOutput(this, 'BenchmarkStatus', { value: attr('Status'), description: 'Outcome of the run started by this deployment' });
      new CfnOutput(this, 'BenchmarkExecutionArn', { value: attr('ExecutionArn') });
      new CfnOutput(this, 'ResultsLocation', { value: attr('ResultsLocation') });
      new CfnOutput(this, 'Report', { value: attr('Report') });
      new CfnOutput(this, 'ColdStartInitP50Ratio', { value: attr('ColdStartInitP50Ratio'), description: 'p50 Init Duration, pytorch / apr, with its bootstrap 95% CI' });
      new CfnOutput(this, 'WarmDurationP50Ratio', { value: attr('WarmDurationP50Ratio'), description: 'p50 warm Duration, pytorch / apr' });
      new CfnOutput(this, 'MaxMemoryRatio', { value: attr('MaxMemoryRatio'), description: 'p50 Max Memory Used on cold starts, pytorch / apr' });
      new CfnOutput(this, 'PackageSizeRatio', { value: attr('PackageSizeRatio'), description: 'deployed package bytes, pytorch / apr' });
    }
  }

  /**
   * autoDeleteObjects brings a CDK-internal provider function whose log group is not configurable:
   * Lambda would create /aws/lambda/<name> on its first run, never expiring, outside the stack. Point
   * its logging at a log group of the stack instead. The custom resources that invoke it reference
   * the function, which references the log group, so on delete the log group goes last.
   */
  private giveAutoDeleteProviderALogGroup(retentionDays: number): void {
    const provider = this.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
    if (!provider) return;
    const handler = provider.node.tryFindChild('Handler') as CfnResource | undefined;
    if (!handler) throw new Error('the S3 auto-delete provider has no Handler resource: has the CDK changed its layout?');
    const logGroup = stackLogGroup(this, 'AutoDeleteObjectsLogGroup', retentionDays);
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName, LogFormat: 'Text' });
    // The CDK gives its role the managed AWSLambdaBasicExecutionRole, which allows logs:CreateLogGroup
    // on every log group of the account. It writes to the log group above and nothing else: replace
    // the managed policy by exactly that. (Its S3 permissions come from the buckets' policies.)
    const role = provider.node.tryFindChild('Role') as CfnResource | undefined;
    if (!role) throw new Error('the S3 auto-delete provider has no Role resource: has the CDK changed its layout?');
    role.addPropertyDeletionOverride('ManagedPolicyArns');
    role.addPropertyOverride('Policies', [
      {
        PolicyName: 'WriteOwnLogGroup',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup.logGroupArn }],
        },
      },
    ]);
  }
}

/** Changes exactly when a setting that changes the measurement changes. */
export function settingsHash(config: AppConfig): string {
  const { coldStarts, warmInvocations, payload } = config.benchmark;
  return createHash('sha256').update(JSON.stringify({ coldStarts, warmInvocations, payload })).digest('hex');
}
